/** `/jobs`: work for the executor fleet. Admins submit, read (with the log) and cancel jobs. */

import { JobKind, JobStatus, jobKinds, Labels, Timestamp, Ulid } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { executorHub } from "../../executors/hub.ts";
import { type JobRecord, type JobView, toJobView } from "../../executors/views.ts";
import { newId } from "../../ids.ts";
import { audited } from "../audit.ts";
import { invalidRequest, notFound } from "../errors.ts";
import { assertAdmin } from "../middleware/auth.ts";
import { bodyErrors, commonErrors, IdParam, json, jsonBody, router, security } from "../openapi.ts";

const LogChunk = z.object({
  attempt: z.number().int(),
  seq: z.number().int(),
  stream: z.string(),
  chunk: z.string(),
});

const Job = z
  .object({
    id: Ulid,
    idempotencyKey: z.string(),
    kind: JobKind,
    spec: z.unknown(),
    labels: Labels,
    status: JobStatus,
    attempt: z.number().int(),
    maxAttempts: z.number().int(),
    executorId: z.string().nullable(),
    timeoutMs: z.number().int(),
    deadlineAt: Timestamp.nullable(),
    cancelRequested: z.boolean(),
    progress: z.string().nullable(),
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
  })
  .meta({ id: "SubmitJob" });

const SubmitBatch = z.strictObject({ jobs: z.array(SubmitJob).min(1).max(500) }).meta({ id: "SubmitJobs" });

/** Validates the spec against its kind's schema (400 naming the field) and fills in the key. */
function checkedSubmit(input: z.infer<typeof SubmitJob>, where: string) {
  const spec = jobKinds[input.kind].spec.safeParse(input.spec);
  if (!spec.success) throw invalidRequest(spec.error, `${where}.spec`);
  return { ...input, spec: spec.data, idempotencyKey: input.idempotencyKey ?? newId() };
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
      const record = await executorHub(c.env).submit(checkedSubmit(c.req.valid("json"), "body"));
      const job = found(record);
      await audited(c, {
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
      const items = (await executorHub(c.env).submitMany(inputs)).map((record) => toJobView(record));
      await audited(c, {
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
      await audited(c, { action: "job.cancel", targetType: "job", targetId: job.id });
      return c.json(job, 200);
    },
  );
