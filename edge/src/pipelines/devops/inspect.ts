/**
 * Inspect: the commit to deploy (the head of `main`) and what it says about itself: its
 * `.env.example` (what the EnvAnalyzer sorts) and its manifest (`orchestrator.json`: the health
 * path, how long the service takes to start).
 */
import { PROJECT_MANIFEST, ProjectManifest } from "@codegen-orchestrator/shared";
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
  /** How the deploy's executor gets into the repository. */
  access: RepoAccess;
}

export async function inspect(
  pipeline: Pipeline,
  project: { repoUrl: string; resourceName: string },
): Promise<Inspected | { error: string }> {
  await pipeline.progress("inspect", "🔍 Reading the project's environment and manifest…");
  const access = repoAccess(pipeline.env, { url: project.repoUrl, resourceName: project.resourceName });
  const inspected = await jobStep(pipeline, "inspect", {
    kind: "git",
    spec: {
      steps: [
        { op: "clone", url: project.repoUrl, ref: "main", depth: 1 },
        { op: "read", paths: [ENV_EXAMPLE, PROJECT_MANIFEST], maxBytes: 65_536 },
      ],
      credentials: access.credentials,
    },
    secrets: access.secrets,
  });
  const files = inspected.output?.steps.find((item) => item.op === "read")?.files ?? {};
  const commit = inspected.output?.head;
  if (inspected.status !== "succeeded" || !commit)
    return {
      error: `Could not read the repository (${inspected.status}): ${inspected.error ?? "see the job log"}`,
    };
  const service = manifestOf(files[PROJECT_MANIFEST])?.service;
  return {
    commit,
    envExample: files[ENV_EXAMPLE] ?? "",
    healthPath: service?.healthPath ?? "/health",
    retries: healthRetries(pipeline.env, service?.startupSeconds),
    access,
  };
}

/** The project's manifest, or null when it has none or an unreadable one (the defaults apply then). */
function manifestOf(text: string | null | undefined): ProjectManifest | null {
  if (!text) return null;
  try {
    const parsed = ProjectManifest.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
