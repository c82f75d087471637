import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { database } from "../src/db/client.ts";
import type { Env } from "../src/env.ts";
import type { ExecutorHub } from "../src/executors/hub.ts";
import { type BoundRef, describeRef, JobSecrets } from "../src/executors/job-secrets.ts";
import { GitHubError, githubTokens } from "../src/github/app.ts";
import { newId } from "../src/ids.ts";
import { connect, createExecutor, hello } from "./executor-socket.ts";
import { call, createProject, createUser, expectStatus, rowCount, unique } from "./helpers.ts";

const CANARY = "canary-Jb7q-job-secret-value-that-must-never-leak";
const hub = () => env.EXECUTOR_HUB.getByName("default");

/** A member's project holding these secrets (set through the API, as a user would). */
async function projectWith(values: Record<string, string>) {
  const member = await createUser();
  const project = await createProject(member.key);
  for (const [name, value] of Object.entries(values)) {
    await expectStatus(200, `/projects/${project.id}/secrets/${name}`, {
      method: "PUT",
      key: member.key,
      body: { value },
    });
  }
  return { member, project };
}

const job = (lane: string, extra: Record<string, unknown> = {}) => ({
  kind: "exec",
  spec: { command: ["sh", "-c", 'test -n "$GIT_PASSWORD"'] },
  labels: { lane },
  ...extra,
});

/** The hub's own rows for these jobs (its SQLite storage), as stored. */
const storedJobs = () =>
  runInDurableObject(hub(), (_instance: ExecutorHub, state) =>
    state.storage.sql.exec<Record<string, SqlStorageValue>>("SELECT * FROM jobs").toArray(),
  );

/** Sets the hub's alarm (its lease sweep) this far ahead. */
const setAlarm = (inMs: number) =>
  runInDurableObject(hub(), (_instance: ExecutorHub, state) => state.storage.setAlarm(Date.now() + inMs));

const storedByKey = async (key: string) =>
  (await storedJobs()).filter((row) => row.idempotency_key === key).length;

describe("job secrets", () => {
  afterEach(() => vi.restoreAllMocks());

  it("reach the executor's assign frame under the given name, and nowhere else", async () => {
    const logged: unknown[] = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args) => logged.push(args));
    }
    const { project } = await projectWith({ DEPLOY_TOKEN: CANARY });
    const refs = { GIT_PASSWORD: { projectId: project.id, name: "DEPLOY_TOKEN" } };
    const lane = unique("secrets");
    const submitted = await call("/jobs", { body: job(lane, { secrets: refs }) });
    const submittedText = await submitted.text();
    expect(submitted.status, submittedText).toBe(201);
    const created = JSON.parse(submittedText);
    expect(created.secrets).toEqual(refs);

    const executor = await createExecutor();
    const socket = await connect(executor.token);
    await hello(socket, { labels: { lane } });
    const assign = await socket.next("assign");
    expect(assign).toMatchObject({ jobId: created.id, attempt: 1, secrets: { GIT_PASSWORD: CANARY } });
    socket.send({ type: "accepted", jobId: created.id, attempt: 1 });
    socket.send({ type: "log", jobId: created.id, attempt: 1, seq: 0, stream: "stdout", chunk: "ok\n" });
    const output = { exitCode: 0, signal: null, durationMs: 5 };
    socket.send({ type: "result", jobId: created.id, attempt: 1, status: "succeeded", output });
    await expect.poll(async () => (await expectStatus(200, `/jobs/${created.id}`)).status).toBe("succeeded");

    // Every read of the job (there is no jobs list route: the batch response is the only list).
    const batch = await call("/jobs/batch", { body: { jobs: [job(unique("other"), { secrets: refs })] } });
    const reads = [
      submittedText,
      await batch.text(),
      ...(await Promise.all(
        [
          `/jobs/${created.id}`,
          `/jobs/${created.id}/log`,
          "/executors",
          `/projects/${project.id}/secrets`,
        ].map((path) => call(path).then((r) => r.text())),
      )),
    ];
    expect(reads[0]).toContain("DEPLOY_TOKEN");
    for (const text of reads) expect(text).not.toContain(CANARY);
    expect((await expectStatus(200, `/jobs/${created.id}`)).secrets).toEqual(refs);

    const audit = await env.DB.prepare("select * from audit_log").all();
    expect(JSON.stringify(audit.results)).not.toContain(CANARY);
    expect(JSON.stringify(await storedJobs())).not.toContain(CANARY);

    // The spy sees the hub's own console too (same isolate): wait for its disconnect line.
    socket.ws.close();
    await expect.poll(() => JSON.stringify(logged)).toContain("executor_disconnected");
    expect(JSON.stringify(logged)).not.toContain(CANARY);
  });

  it("refuse an unknown project or secret name at submit, naming the entry, and queue nothing", async () => {
    const { member, project } = await projectWith({ DEPLOY_TOKEN: "x" });
    const gone = await createProject(member.key);
    await expectStatus(204, `/projects/${gone.id}`, { method: "DELETE", key: member.key });
    const key = unique("refused");
    const auditBefore = await rowCount("audit_log");
    const body = await expectStatus(400, "/jobs", {
      body: job(unique("lane"), {
        idempotencyKey: key,
        secrets: {
          GOOD: { projectId: project.id, name: "DEPLOY_TOKEN" },
          NO_PROJECT: { projectId: newId(), name: "DEPLOY_TOKEN" },
          NO_SECRET: { projectId: project.id, name: "MISSING" },
          DELETED_PROJECT: { projectId: gone.id, name: "DEPLOY_TOKEN" },
        },
      }),
    });
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.details.issues).toEqual([
      { path: "body.secrets.NO_PROJECT.projectId", message: "no project with this id" },
      { path: "body.secrets.NO_SECRET.name", message: `project ${project.id} holds no secret named MISSING` },
      { path: "body.secrets.DELETED_PROJECT.projectId", message: "no project with this id" },
    ]);
    expect(await storedByKey(key)).toBe(0);

    // In a batch, one bad entry refuses the whole batch, named by its index.
    const keys = [unique("batch-good"), unique("batch-bad")];
    const bad = await expectStatus(400, "/jobs/batch", {
      body: {
        jobs: [
          job(unique("lane"), {
            idempotencyKey: keys[0],
            secrets: { A: { projectId: project.id, name: "DEPLOY_TOKEN" } },
          }),
          job(unique("lane"), {
            idempotencyKey: keys[1],
            secrets: { B: { projectId: project.id, name: "NOPE" } },
          }),
        ],
      },
    });
    expect(bad.error.details.issues.map((issue: any) => issue.path)).toEqual(["body.jobs.1.secrets.B.name"]);
    for (const k of keys) expect(await storedByKey(k)).toBe(0);
    expect(await rowCount("audit_log")).toBe(auditBefore);

    // References only, with valid names, and not too many.
    const ref = { projectId: project.id, name: "DEPLOY_TOKEN" };
    const shapes = [
      { secrets: { A: { ...ref, value: "inline" } } },
      { secrets: { "1BAD": ref } },
      { secrets: { A: { ...ref, name: "lower" } } },
      { secrets: { A: "DEPLOY_TOKEN" } },
      { secrets: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`S${i}`, ref])) },
    ];
    for (const extra of shapes) {
      const refused = await expectStatus(400, "/jobs", { body: job(unique("lane"), extra) });
      expect(refused.error.details.issues[0].path).toMatch(/^body\.secrets/);
    }
  });

  it("fail a job whose secret is deleted before assignment, send no assign, and dispatch the next job", async () => {
    const { member, project } = await projectWith({ DEPLOY_TOKEN: CANARY });
    const lane = unique("deleted");
    const doomed = await expectStatus(201, "/jobs", {
      body: job(lane, { secrets: { GIT_PASSWORD: { projectId: project.id, name: "DEPLOY_TOKEN" } } }),
    });
    const next = await expectStatus(201, "/jobs", { body: job(lane) });
    await expectStatus(204, `/projects/${project.id}/secrets/DEPLOY_TOKEN`, {
      method: "DELETE",
      key: member.key,
    });

    // One slot: the older job is assigned first, fails on its secret, and frees the slot. The
    // sweep (which also dispatches) is pushed out, so only the failure's own re-dispatch counts.
    await setAlarm(60_000);
    const executor = await createExecutor();
    const socket = await connect(executor.token);
    try {
      await hello(socket, { labels: { lane }, capacity: 1 });
      expect((await socket.next("assign", 2_000)).jobId).toBe(next.id);
    } finally {
      await setAlarm(250);
    }
    const failed = await expectStatus(200, `/jobs/${doomed.id}`);
    expect(failed).toMatchObject({ status: "failed", executorId: executor.id, output: null });
    expect(failed.error).toContain("DEPLOY_TOKEN");
    expect(failed.error).toContain(project.id);
    expect(failed.error).toMatch(/no longer exists/);
    expect(socket.inbox.filter((m) => m.type === "assign").map((m) => m.jobId)).toEqual([next.id]);
    socket.ws.close();
  });

  it("fail a job whose secret cannot be opened, without echoing the ciphertext", async () => {
    const { project } = await projectWith({ DEPLOY_TOKEN: CANARY });
    const lane = unique("damaged");
    const doomed = await expectStatus(201, "/jobs", {
      body: job(lane, { secrets: { GIT_PASSWORD: { projectId: project.id, name: "DEPLOY_TOKEN" } } }),
    });
    // Another ciphertext in its place: the GCM tag check fails, as with a wrong key.
    const original = await env.DB.prepare("select ciphertext, iv from secrets where project_id = ?")
      .bind(project.id)
      .first<{ ciphertext: string; iv: string }>();
    const damaged = btoa("not the ciphertext of this secret at all");
    await env.DB.prepare("update secrets set ciphertext = ? where project_id = ?")
      .bind(damaged, project.id)
      .run();

    const executor = await createExecutor();
    const socket = await connect(executor.token);
    await hello(socket, { labels: { lane } });
    await expect.poll(async () => (await expectStatus(200, `/jobs/${doomed.id}`)).status).toBe("failed");
    const failed = await expectStatus(200, `/jobs/${doomed.id}`);
    expect(failed.error).toMatch(/Secret DEPLOY_TOKEN of project .* could not be opened/);
    for (const leak of [CANARY, damaged, original?.ciphertext, original?.iv])
      expect(failed.error).not.toContain(leak);
    expect(socket.inbox.some((m) => m.type === "assign")).toBe(false);
    socket.ws.close();
  });

  it("work the same in a batch: each job gets its own values", async () => {
    const { project } = await projectWith({ DEPLOY_TOKEN: CANARY, API_KEY: `${CANARY}-2` });
    const lane = unique("batch-secrets");
    const { items } = await expectStatus(201, "/jobs/batch", {
      body: {
        jobs: [
          job(lane, { secrets: { GIT_PASSWORD: { projectId: project.id, name: "DEPLOY_TOKEN" } } }),
          job(lane, {
            secrets: {
              GIT_PASSWORD: { projectId: project.id, name: "API_KEY" },
              TOKEN: { projectId: project.id, name: "DEPLOY_TOKEN" },
            },
          }),
          job(lane),
        ],
      },
    });
    expect(JSON.stringify(items)).not.toContain(CANARY);
    expect(items[1].secrets.TOKEN).toEqual({ projectId: project.id, name: "DEPLOY_TOKEN" });
    expect(items[2].secrets).toEqual({});

    const executor = await createExecutor();
    const socket = await connect(executor.token);
    await hello(socket, { labels: { lane }, capacity: 3 });
    const assigns = new Map<string, any>();
    for (let i = 0; i < 3; i++) {
      const assign = await socket.next("assign");
      assigns.set(assign.jobId, assign.secrets);
    }
    expect(assigns.get(items[0].id)).toEqual({ GIT_PASSWORD: CANARY });
    expect(assigns.get(items[1].id)).toEqual({ GIT_PASSWORD: `${CANARY}-2`, TOKEN: CANARY });
    expect(assigns.get(items[2].id)).toEqual({});
    socket.ws.close();
  });
});

describe("job secrets from the GitHub App", () => {
  const NO_APP = "is not available: no GitHub App is configured (GITHUB_APP_ID)";
  /** The hub's JobSecrets, with this token minter (as `githubTokens(env)` gives it). */
  const jobSecrets = (github?: ((repository: string) => Promise<string>) | null) =>
    new JobSecrets(database(env.DB), env.SECRETS_KEY, { ANTHROPIC_API_KEY: `${CANARY}-model` }, { github });

  it("are minted once per repository, in the same call as project and system secrets", async () => {
    const { project } = await projectWith({ DEPLOY_TOKEN: CANARY });
    const mint = vi.fn(async (repository: string) => `ghs_token-for-${repository}`);
    const secrets = jobSecrets(mint);
    const refs: BoundRef[] = [
      { github: "shop" },
      { projectId: project.id, name: "DEPLOY_TOKEN" },
      { system: "ANTHROPIC_API_KEY" },
      { github: "blog" },
    ];
    const opened = await secrets.open(refs);
    expect(Object.fromEntries(opened)).toEqual({
      "github/shop": { ok: true, value: "ghs_token-for-shop" },
      "github/blog": { ok: true, value: "ghs_token-for-blog" },
      // A project secret goes with its project's pool, which the hub compares with the executor's.
      [`${project.id}/DEPLOY_TOKEN`]: { ok: true, value: CANARY, pool: "default" },
      "system/ANTHROPIC_API_KEY": { ok: true, value: `${CANARY}-model` },
    });
    expect(mint.mock.calls.map(([repository]) => repository).sort()).toEqual(["blog", "shop"]);

    // Nothing is kept between calls: each open() asks again (the App keeps its own tokens).
    const again = await secrets.open([{ github: "shop" }]);
    expect(Object.fromEntries(again)).toEqual({ "github/shop": { ok: true, value: "ghs_token-for-shop" } });
    expect(mint).toHaveBeenCalledTimes(3);
    expect(mint).toHaveBeenLastCalledWith("shop");
  });

  it("say why a token could not be minted, and the other secrets still open", async () => {
    const { project } = await projectWith({ DEPLOY_TOKEN: CANARY });
    const answer = "GitHub answered 404 to a token for acme/gone: Not Found";
    const mint = vi.fn(async (repository: string) => {
      if (repository === "gone") throw new GitHubError(answer, 404);
      return `ghs_token-for-${repository}`;
    });
    const opened = await jobSecrets(mint).open([
      { github: "gone" },
      { github: "shop" },
      { projectId: project.id, name: "DEPLOY_TOKEN" },
    ]);
    const failed = opened.get("github/gone");
    expect(failed).toEqual({ ok: false, why: `could not be minted: ${answer}` });
    expect(failed?.ok === false && failed.why).toMatch(/^could not be minted: /);
    expect(opened.get("github/shop")).toEqual({ ok: true, value: "ghs_token-for-shop" });
    expect(opened.get(`${project.id}/DEPLOY_TOKEN`)).toEqual({ ok: true, value: CANARY, pool: "default" });
    expect(describeRef({ github: "gone" })).toBe("The GitHub token for repository gone");

    // The hub's minter with a half-configured App fails each token with what to set, no key.
    const partial = { ...env, GITHUB_APP_ID: "123456", GITHUB_APP_PRIVATE_KEY: CANARY } as Env;
    const misconfigured = await jobSecrets(githubTokens(partial)).open([{ github: "shop" }]);
    const why = (misconfigured.get("github/shop") as { ok: false; why: string }).why;
    expect(why).toMatch(/^could not be minted: The GitHub App is configured wrongly: .*GITHUB_OWNER/);
    expect(why).not.toContain(CANARY);
  });

  it("are not available without a GitHub App, while the other secrets are", async () => {
    const { project } = await projectWith({ DEPLOY_TOKEN: CANARY });
    const refs: BoundRef[] = [{ github: "shop" }, { projectId: project.id, name: "DEPLOY_TOKEN" }];
    for (const secrets of [jobSecrets(), jobSecrets(null), jobSecrets(githubTokens(env))]) {
      const opened = await secrets.open(refs);
      expect(opened.get("github/shop")).toEqual({ ok: false, why: NO_APP });
      expect(opened.get(`${project.id}/DEPLOY_TOKEN`)).toEqual({ ok: true, value: CANARY, pool: "default" });
    }
  });
});
