/**
 * The "analyze env" stage: a source for every variable of the project's `.env.example` (the
 * decisions are recorded, never the values), and what the deploy gets of them: the plain values
 * (infra ones from the placement, computed ones as decided) and the names of its secrets.
 */
import type { ProjectToDeploy } from "../../domain/pipeline-projects.ts";
import type { Placement } from "../../domain/placements.ts";
import { modelStep } from "../steps/model-step.ts";
import type { Pipeline } from "../steps/pipeline-workflow.ts";
import {
  analyzeEnv,
  type EnvDecision,
  type EnvEntry,
  infraValue,
  needsModel,
  parseEnvExample,
} from "./env-analyzer.ts";
import type { Inspected } from "./inspect.ts";
import { resolveSecrets } from "./secret-resolver.ts";

export interface ServiceEnv {
  entries: EnvEntry[];
  decisions: EnvDecision[];
  /** Infra and computed variables, with their values. */
  plain: Record<string, string>;
  /** Generated and user-provided variables: project secrets, given to the service by name. */
  secretNames: string[];
}

export async function analyzeEnvStep(
  pipeline: Pipeline,
  service: string,
  envExample: string,
  placement: Placement,
  /** The variables the manifest marks as Telegram bot tokens. */
  botVariables: readonly string[] = [],
): Promise<ServiceEnv> {
  const marked = new Set(botVariables);
  const entries = parseEnvExample(envExample).map((entry) =>
    marked.has(entry.name) ? { ...entry, bot: true } : entry,
  );
  const decisions = await modelStep(pipeline, "analyze env", {
    source: "env-analyzer",
    paid: needsModel(entries),
    call: () => analyzeEnv(pipeline.env, service, entries),
    end: (analysis) => ({
      detail: Object.fromEntries(analysis.decisions.map((d) => [d.name, `${d.kind} (${d.by})`])),
      value: analysis.decisions,
    }),
  });
  const plain: Record<string, string> = {};
  for (const decision of decisions) {
    if (decision.kind === "infra") plain[decision.name] = infraValue(decision.name, placement) ?? "";
    if (decision.kind === "computed") plain[decision.name] = decision.value ?? "";
  }
  const secretNames = decisions.filter((d) => d.kind === "generated" || d.kind === "user").map((d) => d.name);
  return { entries, decisions, plain, secretNames };
}

/**
 * The service's environment on its placement: analyzed ("analyze env"), then its secrets made or
 * asked for ("secrets"); or why they could not be had.
 */
export async function serviceEnvironment(
  pipeline: Pipeline,
  project: ProjectToDeploy,
  inspected: Pick<Inspected, "envExample" | "telegramBots">,
  placement: Placement,
): Promise<ServiceEnv | { error: string }> {
  const env = await analyzeEnvStep(
    pipeline,
    project.name,
    inspected.envExample,
    placement,
    inspected.telegramBots,
  );
  const resolved = await resolveSecrets(pipeline, {
    slug: project.slug,
    actor: { userId: project.ownerId, role: project.ownerRole },
    decisions: env.decisions,
    entries: env.entries,
  });
  return resolved.error ? { error: resolved.error } : env;
}
