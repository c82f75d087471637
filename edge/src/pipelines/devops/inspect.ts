/**
 * Inspect: the commit to deploy (the head of `main`) and what it says about itself: its
 * `.env.example` (what the EnvAnalyzer sorts) and its profile, made by the `git` job where the
 * checkout is (`profile` step): the manifest's declarations (`orchestrator.json`), else the
 * conventions its files follow (a Makefile's targets, package.json scripts, a compose file with
 * healthchecks), the health path assumed when none is declared. A repository without a manifest
 * goes by its template's in the catalog first, when it has one (the job carries it). The timeline
 * records each decision with where it came from, so that a person can correct it (by writing the
 * manifest).
 */
import {
  type CatalogManifest,
  type GitResult,
  type GitSpec,
  type ProjectProfile,
  START_COMMAND_HINT,
} from "@codegen-orchestrator/shared";
import type { Placement } from "../../domain/placements.ts";
import { jobStep } from "../steps/job-step.ts";
import type { Pipeline } from "../steps/pipeline-workflow.ts";
import { type RepoAccess, repoAccess } from "../steps/repository.ts";
import { healthRetries } from "./deploy.ts";

const ENV_EXAMPLE = ".env.example";

export interface Inspected {
  commit: string;
  /** The `.env.example` text ("" when there is none). */
  envExample: string;
  healthPath: string;
  /** `health_retries` for the playbooks (see healthRetries). */
  retries: number | undefined;
  /** How the service starts (argv), as the manifest or a convention says; null: only Compose runs it. */
  start: string[] | null;
  /** The compose file whose healthchecks let Compose run the project, when there is one. */
  composeFile: string | null;
  /** The manifest's migrations (argv, and the compose service that runs them), or null. */
  migrate: { command: string[]; service: string | null } | null;
  /** The variables the manifest marks as Telegram bot tokens (`service.telegramBots`). */
  telegramBots: string[];
  /** How the deploy's executor gets into the repository. */
  access: RepoAccess;
}

/**
 * The inspect job's spec: `main` (a preview: its branch) cloned, its `.env.example` read, its
 * profile made (with the template catalog's manifest, when there is one).
 */
export function inspectSpec(
  repoUrl: string,
  access: Pick<RepoAccess, "credentials">,
  manifest: CatalogManifest | null,
  ref = "main",
): GitSpec {
  return {
    steps: [
      { op: "clone", url: repoUrl, ref, depth: 1 },
      { op: "read", paths: [ENV_EXAMPLE], maxBytes: 65_536 },
      manifest ? { op: "profile", manifest } : { op: "profile" },
    ],
    credentials: access.credentials,
  };
}

export async function inspect(
  pipeline: Pipeline,
  project: { repoUrl: string; resourceName: string; manifest: CatalogManifest | null; ref?: string },
): Promise<Inspected | { error: string }> {
  await pipeline.progress("inspect", "🔍 Reading the project's environment and manifest…");
  const access = repoAccess(pipeline.env, { url: project.repoUrl, resourceName: project.resourceName });
  const inspected = await jobStep(pipeline, "inspect", {
    kind: "git",
    spec: inspectSpec(project.repoUrl, access, project.manifest, project.ref),
    secrets: access.secrets,
    summarize: (output) => {
      const profile = profileOf(output);
      return { detail: { commit: output.head, ...(profile ? profileDetail(profile) : {}) } };
    },
  });
  const files = inspected.output?.steps.find((item) => item.op === "read")?.files ?? {};
  const commit = inspected.output?.head;
  const profile = inspected.output && profileOf(inspected.output);
  if (inspected.status !== "succeeded" || !commit || !profile)
    return {
      error: `Could not read the repository (${inspected.status}): ${inspected.error ?? "see the job log"}`,
    };
  if (!profile.start && !profile.compose)
    return {
      error: `The project does not say how to start its service (the inspect step lists what was looked at). To fix it, ${START_COMMAND_HINT}.`,
    };
  return {
    commit,
    envExample: files[ENV_EXAMPLE] ?? "",
    healthPath: profile.healthPath.path,
    retries: healthRetries(pipeline.env, profile.startupSeconds ?? undefined),
    start: profile.start?.command ?? null,
    composeFile: profile.compose?.file ?? null,
    migrate: profile.migrate ? { command: profile.migrate.command, service: profile.migrate.service } : null,
    telegramBots: profile.telegramBots ?? [],
    access,
  };
}

const profileOf = (output: GitResult): ProjectProfile | null =>
  output.steps.find((item) => item.op === "profile")?.profile ?? null;

/** The inspect step's timeline detail: each decision and where it came from. */
export function profileDetail(profile: ProjectProfile): Record<string, unknown> {
  const decided = (value: { command: string[]; from: string } | null) =>
    value ? { command: value.command, from: value.from } : "none found";
  return {
    manifest: profile.manifest,
    test: decided(profile.test),
    start: decided(profile.start),
    healthPath: profile.healthPath,
    ...(profile.startupSeconds ? { startupSeconds: profile.startupSeconds } : {}),
    ...(profile.migrate ? { migrate: decided(profile.migrate) } : {}),
    ...(profile.compose ? { compose: profile.compose.from } : {}),
    ...(profile.telegramBots ? { telegramBots: profile.telegramBots } : {}),
    ...(profile.notes.length > 0 ? { notes: profile.notes } : {}),
  };
}

/**
 * The placement as the deploy uses it: a project with a start command runs under the server's
 * service manager (`auto` may still pick Compose); one that only Compose can run (no start
 * command, a compose file with healthchecks) asks for Compose, on a server that allows it.
 */
/** What a deploy job takes from the inspected commit: the release, how it starts and is checked. */
export const releaseOf = (inspected: Inspected) => ({
  commit: inspected.commit,
  healthPath: inspected.healthPath,
  healthRetries: inspected.retries,
  start: inspected.start,
  migrate: inspected.migrate,
  access: inspected.access,
});

export function deployPlacement(inspected: Inspected, placement: Placement): Placement | { error: string } {
  if (inspected.start) return placement;
  if (placement.serviceManager === "auto" || placement.serviceManager === "compose")
    return { ...placement, serviceManager: "compose" };
  return {
    error: `The project names no start command, so only Docker Compose can run it (${inspected.composeFile}), but the server ${placement.serverName} runs services with ${placement.serviceManager}. To deploy it there, ${START_COMMAND_HINT.replace(/, or follow a convention.*$/, "")}.`,
  };
}
