/** Runs: one pass of a project's engineering or DevOps pipeline, or the undeploy of a deleted project. */
import { z } from "zod";
import { Timestamp, Ulid } from "./common.ts";
import { TemplateAnswer } from "./projects.ts";

/**
 * `upgrade`: the project brought to its catalog template's latest version on a branch, tested,
 * and merged and deployed when its owner says so (the engineering workflow carries it out).
 * `undeploy`: started by deleting a project that left something outside D1 (a service on a
 * server, a repository of the GitHub App); `preview` and `preview_teardown`: a branch's preview
 * deployed and removed (`/projects/{id}/previews`, its TTL). These three are carried out by the
 * DevOps workflow; none started by `POST /projects/{id}/runs`.
 */
export const RunKind = z.enum([
  "engineering",
  "devops",
  "upgrade",
  "undeploy",
  "preview",
  "preview_teardown",
]);
export type RunKind = z.infer<typeof RunKind>;

/** What `POST /projects/{id}/runs` starts. */
export const StartableRunKind = RunKind.exclude(["undeploy", "preview", "preview_teardown"]);
export type StartableRunKind = z.infer<typeof StartableRunKind>;

export const RunStatus = z.enum(["queued", "running", "waiting", "succeeded", "failed", "cancelled"]);
export type RunStatus = z.infer<typeof RunStatus>;

/** A run still in progress: it blocks another run of the same kind on the same project. */
export const ACTIVE_RUN_STATUSES = ["queued", "running", "waiting"] as const satisfies RunStatus[];

export const Run = z
  .object({
    id: Ulid,
    projectId: Ulid,
    kind: RunKind,
    status: RunStatus,
    error: z.string().nullable(),
    createdAt: Timestamp,
    startedAt: Timestamp.nullable(),
    finishedAt: Timestamp.nullable(),
  })
  .meta({ id: "Run" });
export type Run = z.infer<typeof Run>;

export const StartRun = z.strictObject({ kind: StartableRunKind }).meta({ id: "StartRun" });

/** One step of a run's timeline. */
export const RunStep = z
  .object({
    name: z.string(),
    status: z.enum(["running", "succeeded", "failed", "skipped"]),
    jobId: z.string().nullable().describe("the executor job it ran: GET /jobs/{id}/log"),
    detail: z.record(z.string(), z.unknown()).nullable(),
    costUsd: z.number(),
    startedAt: Timestamp,
    finishedAt: Timestamp.nullable(),
    durationMs: z.number().nullable(),
    progress: z
      .string()
      .nullable()
      .describe(
        "while the step's job runs: how far it got, as its executor last said (`deploy_project: 12/35 tasks (34%)`)",
      ),
    logReadable: z
      .boolean()
      .describe(
        "whether the caller may read the step's job log (`/jobs/{id}/log`): admins any; members agent and test jobs",
      ),
  })
  .meta({ id: "RunStep" });
export type RunStep = z.infer<typeof RunStep>;

/**
 * The user's answer when a run stops to ask (the tests still fail after the last fix iteration):
 * retry (with guidance for the Developer), deploy what there is anyway, or stop the run.
 */
export const RunDecision = z
  .strictObject({
    choice: z.enum(["retry", "deploy", "stop"]),
    guidance: z.string().trim().min(1).max(2000).optional(),
  })
  .meta({ id: "RunDecision" });
export type RunDecision = z.infer<typeof RunDecision>;

/**
 * The owner's answer when an upgrade run offers its branch (its timeline shows a running
 * `upgrade <n>` step): merge it into the main branch and deploy, or skip this template version
 * (the branch stays; the version is not offered again).
 */
export const UpgradeDecision = z
  .strictObject({ choice: z.enum(["merge", "skip"]) })
  .meta({ id: "UpgradeDecision" });
export type UpgradeDecision = z.infer<typeof UpgradeDecision>;

/**
 * One of a template's questions as a run asks its user, when the template's validators refused
 * its answer (never a `secret` question): what it means, its choices, the answer refused and why.
 */
export const AskedQuestion = z
  .object({
    name: z.string(),
    type: z
      .string()
      .describe("str, int, float, bool, path, yaml or json (else Jinja: the answer goes as text)"),
    help: z.string().optional(),
    choices: z
      .array(z.object({ label: z.string(), value: TemplateAnswer }))
      .optional()
      .describe("the values to choose from (a multiselect: any of them)"),
    multiselect: z.boolean(),
    refused: TemplateAnswer.nullable().describe("the answer the template refused; null: its default"),
    message: z.string().describe("the template validator's message"),
  })
  .meta({ id: "AskedQuestion" });
export type AskedQuestion = z.infer<typeof AskedQuestion>;

/**
 * The user's answers when a run asks them (the template's validators refused the answers it had):
 * one per question asked, by name. A string is read as the question's type, as in the chat
 * (`8080`, `yes`, a multiselect's choices separated by commas); numbers, booleans and lists are
 * taken as they are; a `yaml` or `json` question takes any JSON value.
 */
export const RunAnswers = z
  .strictObject({
    answers: z
      .record(
        z.string().min(1).max(200),
        z.unknown().describe("a string, number, boolean or list (yaml/json questions: any JSON value)"),
      )
      .refine((answers) => Object.keys(answers).length > 0, "give at least one answer")
      .describe("question name → answer"),
  })
  .meta({ id: "RunAnswers" });
export type RunAnswers = z.infer<typeof RunAnswers>;
