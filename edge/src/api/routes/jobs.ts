/** `/jobs`: work for the executor fleet. Admins submit, read (with the log) and cancel jobs. */

import { Job, type SecretRefs, SubmitJob, SubmitJobs } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import type { Db } from "../../db/client.ts";
import { auditedBy } from "../../domain/audit.ts";
import { notFound } from "../../domain/errors.ts";
import { secretHolders } from "../../domain/secrets.ts";
import { executorHub } from "../../executors/hub.ts";
import { type JobRecord, type JobView, toJobView } from "../../executors/views.ts";
import { invalidFields } from "../../http/errors.ts";
import { newId } from "../../ids.ts";
import { assertAdmin } from "../middleware/auth.ts";
import { bodyErrors, commonErrors, IdParam, json, jsonBody, router, security } from "../openapi.ts";

/** Fills in the idempotency key (the body's union already validated the spec against its kind). */
const withKey = <Input extends SubmitJob>(input: Input) => ({
  ...input,
  idempotencyKey: input.idempotencyKey ?? newId(),
});

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
      operationId: "submit_job",
      tags,
      security,
      summary: "Submit a job to the executor fleet (admins)",
      request: { body: jsonBody(SubmitJob) },
      responses: { 201: json(Job, "The job, queued (or the earlier job with this key)"), ...bodyErrors },
    }),
    async (c) => {
      assertAdmin(c);
      const input = withKey(c.req.valid("json"));
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
      operationId: "submit_jobs",
      tags,
      security,
      summary: "Submit up to 500 jobs at once, dispatched in one pass (admins)",
      request: { body: jsonBody(SubmitJobs) },
      responses: {
        201: json(z.object({ items: z.array(Job) }), "The jobs, in the order given"),
        ...bodyErrors,
      },
    }),
    async (c) => {
      assertAdmin(c);
      const inputs = c.req.valid("json").jobs.map(withKey);
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
      operationId: "get_job",
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
      operationId: "cancel_job",
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
