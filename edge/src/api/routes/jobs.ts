/** `/jobs`: work for the executor fleet. Admins submit, read (with the log) and cancel jobs. */

import {
  EnvName,
  JobKind,
  JobStatus,
  jobKinds,
  Labels,
  SecretName,
  Timestamp,
  Ulid,
} from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import type { Db } from "../../db/client.ts";
import { auditedBy } from "../../domain/audit.ts";
import { notFound } from "../../domain/errors.ts";
import { secretHolders } from "../../domain/secrets.ts";
import { executorHub } from "../../executors/hub.ts";
import { SYSTEM_SECRETS } from "../../executors/job-secrets.ts";
import { type JobRecord, type JobView, toJobView } from "../../executors/views.ts";
import { invalidFields, invalidRequest } from "../../http/errors.ts";
import { newId } from "../../ids.ts";
import { assertAdmin } from "../middleware/auth.ts";
import { bodyErrors, commonErrors, IdParam, json, jsonBody, router, security } from "../openapi.ts";

const LogChunk = z.object({
  attempt: z.number().int(),
  seq: z.number().int(),
  stream: z.string(),
  chunk: z.string(),
});

const MAX_JOB_SECRETS = 32;

const SecretRef = z
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
const SecretRefs = z.record(EnvName, SecretRef);
/** The generator drops a record's key schema: state the names' pattern in the document. */
const secretRefsDoc = { propertyNames: { type: "string", pattern: z.toJSONSchema(EnvName).pattern } };

const Job = z
  .object({
    id: Ulid,
    idempotencyKey: z.string(),
    kind: JobKind,
    spec: z.unknown(),
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
      .describe(
        "the executor the job waits for while it is connected (an agent session's workspace is there)",
      ),
    timeoutMs: z.number().int(),
    deadlineAt: Timestamp.nullable(),
    cancelRequested: z.boolean(),
    progress: z.string().nullable(),
    costUsd: z
      .number()
      .nullable()
      .describe("what the job cost, as its executor reported it (an agent's model use)"),
    output: z.unknown(),
    error: z.string().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    finishedAt: Timestamp.nullable(),
    log: z.array(LogChunk).describe("log chunks after the requested position, oldest first"),
  })
  .meta({ id: "Job" });

const SubmitJob = z
  .strictObject({
    kind: JobKind,
    spec: z.unknown().describe("the kind's spec; see the job kind registry"),
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
  })
  .meta({ id: "SubmitJob" });

const SubmitBatch = z.strictObject({ jobs: z.array(SubmitJob).min(1).max(500) }).meta({ id: "SubmitJobs" });

/** Validates the spec against its kind's schema (400 naming the field) and fills in the key. */
function checkedSubmit(input: z.infer<typeof SubmitJob>, where: string) {
  const spec = jobKinds[input.kind].spec.safeParse(input.spec);
  if (!spec.success) throw invalidRequest(spec.error, `${where}.spec`);
  return { ...input, spec: spec.data, idempotencyKey: input.idempotencyKey ?? newId() };
}

/**
 * Every secret reference must name a live project that holds that secret; otherwise a 400 whose
 * issues name each failing entry (`body.jobs.2.secrets.GIT_PASSWORD.name`). Reads names only.
 */
async function checkSecretRefs(db: Db, jobs: { where: string; secrets: z.infer<typeof SecretRefs> }[]) {
  const refs = jobs.flatMap(({ where, secrets: refs }) =>
    Object.entries(refs).map(([envName, ref]) => ({ path: `${where}.secrets.${envName}`, ref })),
  );
  if (refs.length === 0) return;
  const { live, held } = await secretHolders(db, [...new Set(refs.map(({ ref }) => ref.projectId))]);
  const issues = refs.flatMap(({ path, ref }) => {
    if (!live.has(ref.projectId)) return [{ path: `${path}.projectId`, message: "no project with this id" }];
    if (!held.has(`${ref.projectId}/${ref.name}`)) {
      return [
        { path: `${path}.name`, message: `project ${ref.projectId} holds no secret named ${ref.name}` },
      ];
    }
    return [];
  });
  if (issues.length > 0) throw invalidFields("body", issues);
}

const LogQuery = z.strictObject({
  afterAttempt: z.coerce.number().int().min(0).default(0),
  afterSeq: z.coerce.number().int().min(-1).default(-1),
});

const found = (record: JobRecord | null): JobView => {
  if (!record) throw notFound("job");
  return toJobView(record);
};
const tags = ["jobs"];

export const jobsRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/jobs",
      tags,
      security,
      summary: "Submit a job to the executor fleet (admins)",
      request: { body: jsonBody(SubmitJob) },
      responses: { 201: json(Job, "The job, queued (or the earlier job with this key)"), ...bodyErrors },
    }),
    async (c) => {
      assertAdmin(c);
      const input = checkedSubmit(c.req.valid("json"), "body");
      await checkSecretRefs(c.get("db"), [{ where: "body", secrets: input.secrets }]);
      const record = await executorHub(c.env).submit(input);
      const job = found(record);
      await auditedBy(c.get("db"), c.get("principal").userId, {
        action: "job.submit",
        targetType: "job",
        targetId: job.id,
        details: { kind: job.kind },
      });
      return c.json(job, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/jobs/batch",
      tags,
      security,
      summary: "Submit up to 500 jobs at once, dispatched in one pass (admins)",
      request: { body: jsonBody(SubmitBatch) },
      responses: {
        201: json(z.object({ items: z.array(Job) }), "The jobs, in the order given"),
        ...bodyErrors,
      },
    }),
    async (c) => {
      assertAdmin(c);
      const inputs = c.req.valid("json").jobs.map((input, i) => checkedSubmit(input, `body.jobs.${i}`));
      await checkSecretRefs(
        c.get("db"),
        inputs.map((input, i) => ({ where: `body.jobs.${i}`, secrets: input.secrets })),
      );
      const items = (await executorHub(c.env).submitMany(inputs)).map((record) => toJobView(record));
      await auditedBy(c.get("db"), c.get("principal").userId, {
        action: "job.submit_batch",
        targetType: "job",
        targetId: items[0]?.id ?? null,
        details: { count: items.length, kinds: [...new Set(items.map((job) => job.kind))] },
      });
      return c.json({ items }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/jobs/{id}",
      tags,
      security,
      summary: "A job with its log after a position (admins)",
      request: { params: IdParam, query: LogQuery },
      responses: { 200: json(Job, "The job"), ...commonErrors },
    }),
    async (c) => {
      assertAdmin(c);
      const { afterAttempt, afterSeq } = c.req.valid("query");
      const record = await executorHub(c.env).getJob(c.req.valid("param").id, {
        attempt: afterAttempt,
        seq: afterSeq,
      });
      return c.json(found(record), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/jobs/{id}/cancel",
      tags,
      security,
      summary: "Cancel a job: at once when queued, else the executor kills it and reports (admins)",
      request: { params: IdParam },
      responses: { 200: json(Job, "The job"), ...commonErrors },
    }),
    async (c) => {
      assertAdmin(c);
      const job = found(await executorHub(c.env).cancel(c.req.valid("param").id));
      await auditedBy(c.get("db"), c.get("principal").userId, {
        action: "job.cancel",
        targetType: "job",
        targetId: job.id,
      });
      return c.json(job, 200);
    },
  );
