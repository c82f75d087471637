/**
 * Jobs as the API shows them: what an admin submits and what a job reads back. Both are unions
 * discriminated by `kind`, one member per kind of the registry (protocol/jobs.ts), so a client
 * learns each kind's spec and result from the OpenAPI document (and the MCP tools) alone.
 */
import { z } from "zod";
import { JobKind, jobKinds } from "../protocol/jobs.ts";
import { JobStatus } from "../protocol/messages.ts";
import { EnvName } from "../protocol/values.ts";
import { Labels, Timestamp, Ulid } from "./common.ts";
import { SecretName } from "./projects.ts";

export const MAX_JOB_SECRETS = 32;

/** The Worker secrets a job may be given by name (only pipelines submit such references). */
export const SYSTEM_SECRETS = ["ANTHROPIC_API_KEY", "DEPLOY_SSH_KEY"] as const;
export type SystemSecret = (typeof SYSTEM_SECRETS)[number];

export const SecretRef = z
  .strictObject({ projectId: Ulid, name: SecretName })
  .describe("a project secret, by name: the hub resolves its value when it assigns the job")
  .meta({ id: "SecretRef" });

const SystemSecretRef = z
  .strictObject({ system: z.enum(SYSTEM_SECRETS) })
  .describe("one of the system's own credentials (a Worker secret); only pipelines submit these")
  .meta({ id: "SystemSecretRef" });

const GitHubTokenRef = z
  .strictObject({ github: z.string() })
  .describe(
    "a short-lived token for one repository of the GitHub App's organization, minted when the job is sent; only pipelines submit these",
  )
  .meta({ id: "GitHubTokenRef" });

/** Environment name → secret reference. Only references cross the API; values never do. */
export const SecretRefs = z.record(EnvName, SecretRef);
/** The generator drops a record's key schema: state the names' pattern in the document. */
const secretRefsDoc = { propertyNames: { type: "string", pattern: z.toJSONSchema(EnvName).pattern } };

const LogChunk = z.object({
  attempt: z.number().int(),
  seq: z.number().int(),
  stream: z.string(),
  chunk: z.string(),
});

const KINDS = JobKind.options;
/** `container` → `Container`, `http_check` → `HttpCheck`: the kind's part of a schema's name. */
const schemaName = (kind: JobKind) =>
  kind.replace(/(^|_)([a-z])/g, (_match, _sep: string, letter: string) => letter.toUpperCase());

/** One member per kind: `shape(kind)` plus `kind` itself, named `<Prefix><Kind>`. */
function unionOfKinds<Shape extends z.ZodRawShape>(
  prefix: string,
  shape: (kind: JobKind) => Shape,
  object: typeof z.object | typeof z.strictObject,
) {
  const members = KINDS.map((kind) =>
    object({ kind: z.literal(kind), ...shape(kind) }).meta({ id: `${prefix}${schemaName(kind)}` }),
  );
  return z.discriminatedUnion("kind", members as [(typeof members)[number], ...typeof members]);
}

const jobFields = {
  id: Ulid,
  idempotencyKey: z.string(),
  labels: Labels,
  secrets: z
    .record(EnvName, z.union([SecretRef, SystemSecretRef, GitHubTokenRef]))
    .describe("the secrets the job gets, by environment name: references, never values")
    .meta(secretRefsDoc),
  status: JobStatus,
  attempt: z.number().int(),
  maxAttempts: z.number().int(),
  executorId: z.string().nullable(),
  preferExecutor: z
    .string()
    .nullable()
    .describe("the executor the job waits for while it is connected (an agent session's workspace is there)"),
  timeoutMs: z.number().int(),
  deadlineAt: Timestamp.nullable(),
  cancelRequested: z.boolean(),
  progress: z.string().nullable(),
  costUsd: z
    .number()
    .nullable()
    .describe("what the job cost, as its executor reported it (an agent's model use)"),
  error: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
  log: z.array(LogChunk).describe("log chunks after the requested position, oldest first"),
};

/** A job as the API reads it: its kind's spec, and its kind's result once it succeeded. */
export const Job = unionOfKinds(
  "Job",
  (kind) => ({
    ...jobFields,
    spec: jobKinds[kind].spec,
    output: jobKinds[kind].result.nullable().describe("the job's result: null until it succeeded"),
  }),
  z.object,
).meta({ id: "Job" });
export type Job = z.infer<typeof Job>;

const submitFields = {
  idempotencyKey: z.string().min(1).max(200).optional().describe("same key, same job"),
  labels: Labels.default({}).describe("labels the executor must carry"),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(24 * 3_600_000)
    .optional(),
  maxAttempts: z.number().int().min(1).max(10).optional(),
  secrets: SecretRefs.refine((refs) => Object.keys(refs).length <= MAX_JOB_SECRETS, {
    message: `at most ${MAX_JOB_SECRETS} secrets`,
  })
    .default({})
    .describe(
      "project secrets the executor gets under these names (the exec child's environment; " +
        "`credentials.passwordSecret` of git and copier specs). The value is read when the job is assigned.",
    )
    .meta({ ...secretRefsDoc, maxProperties: MAX_JOB_SECRETS }),
};

/** What an admin submits: a kind and that kind's spec. */
export const SubmitJob = unionOfKinds(
  "SubmitJob",
  (kind) => ({ spec: jobKinds[kind].spec, ...submitFields }),
  z.strictObject,
).meta({ id: "SubmitJob" });
export type SubmitJob = z.infer<typeof SubmitJob>;

export const SubmitJobs = z
  .strictObject({ jobs: z.array(SubmitJob).min(1).max(500) })
  .meta({ id: "SubmitJobs" });
