import { ACTIVE_RUN_STATUSES } from "@codegen-orchestrator/shared";
import { describe, expect, it } from "vitest";
import { newId } from "../src/ids.ts";
import { createExecutor } from "./executor-socket.ts";
import { type CallOptions, call, createProject, createUser, expectStatus, unique } from "./helpers.ts";

/** The ids one request names: another member's real ones, or fresh ones nothing has. */
interface Ids {
  project: string;
  run: string;
  allocation: string;
  apiKey: string;
  user: string;
  server: string;
  executor: string;
  job: string;
}

type Case = [label: string, request: (ids: Ids) => [path: string, options?: CallOptions]];

const SECRET = "OWNER_TOKEN";

/** Every route through which a member can name a resource by id, in the path, query or body. */
const cases: Case[] = [
  ["GET project", (ids) => [`/projects/${ids.project}`]],
  ["PATCH project", (ids) => [`/projects/${ids.project}`, { method: "PATCH", body: { name: "Mine" } }]],
  ["DELETE project", (ids) => [`/projects/${ids.project}`, { method: "DELETE" }]],
  ["project logs", (ids) => [`/projects/${ids.project}/logs?lines=10`]],
  ["list runs", (ids) => [`/projects/${ids.project}/runs`]],
  ["start run", (ids) => [`/projects/${ids.project}/runs`, { body: { kind: "devops" } }]],
  ["list secrets", (ids) => [`/projects/${ids.project}/secrets`]],
  [
    "put secret",
    (ids) => [`/projects/${ids.project}/secrets/${SECRET}`, { method: "PUT", body: { value: "x" } }],
  ],
  ["delete secret", (ids) => [`/projects/${ids.project}/secrets/${SECRET}`, { method: "DELETE" }]],
  ["GET run", (ids) => [`/runs/${ids.run}`]],
  ["run steps", (ids) => [`/runs/${ids.run}/steps`]],
  ["cancel run", (ids) => [`/runs/${ids.run}/cancel`, { method: "POST" }]],
  ["decide run", (ids) => [`/runs/${ids.run}/decision`, { body: { choice: "stop" } }]],
  ["answer run", (ids) => [`/runs/${ids.run}/answers`, { body: { answers: { port: 8080 } } }]],
  ["allocate", (ids) => ["/allocations", { body: { projectId: ids.project, service: "web" } }]],
  ["list allocations", (ids) => [`/allocations?projectId=${ids.project}`]],
  ["release allocation", (ids) => [`/allocations/${ids.allocation}`, { method: "DELETE" }]],
  ["revoke API key", (ids) => [`/api-keys/${ids.apiKey}`, { method: "DELETE" }]],
  ["list API keys", (ids) => [`/api-keys?userId=${ids.user}`]],
  ["create API key", (ids) => ["/api-keys", { body: { name: "k", userId: ids.user, scopes: ["read"] } }]],
  ["GET user", (ids) => [`/users/${ids.user}`]],
  ["list projects", (ids) => [`/projects?ownerId=${ids.user}`]],
  ["create project", (ids) => ["/projects", { body: { name: unique("P"), ownerId: ids.user } }]],
  ["GET server", (ids) => [`/servers/${ids.server}`]],
  ["PATCH server", (ids) => [`/servers/${ids.server}`, { method: "PATCH", body: { memoryMb: 1 } }]],
  ["DELETE server", (ids) => [`/servers/${ids.server}`, { method: "DELETE" }]],
  ["drain executor", (ids) => [`/executors/${ids.executor}/drain`, { method: "POST" }]],
  ["revoke executor", (ids) => [`/executors/${ids.executor}`, { method: "DELETE" }]],
  ["GET job", (ids) => [`/jobs/${ids.job}`]],
  ["job log", (ids) => [`/jobs/${ids.job}/log`]],
  ["cancel job", (ids) => [`/jobs/${ids.job}/cancel`, { method: "POST" }]],
];

/** Another member's project with one of everything, and the admin's server, executor and job. */
async function othersResources(): Promise<{ ids: Ids; ownerKey: string }> {
  const owner = await createUser();
  // With a repository, a DevOps run waits at its first job (no executor here): it stays active.
  const project = await createProject(owner.key, { repoUrl: "https://git.example.test/theirs.git" });
  await expectStatus(200, `/projects/${project.id}/secrets/${SECRET}`, {
    method: "PUT",
    key: owner.key,
    body: { value: "s3cret" },
  });
  const run = await expectStatus(201, `/projects/${project.id}/runs`, {
    key: owner.key,
    body: { kind: "devops" },
  });
  const server = await expectStatus(201, "/servers", {
    body: { name: unique("srv"), host: "10.0.0.7", memoryMb: 1024, cpuCores: 1 },
  });
  const allocation = await expectStatus(201, "/allocations", {
    key: owner.key,
    body: { projectId: project.id, service: "api", serverId: server.id },
  });
  const keys = await expectStatus(200, "/api-keys", { key: owner.key });
  const job = await expectStatus(201, "/jobs", { body: { kind: "exec", spec: { command: ["true"] } } });
  const ids = {
    project: project.id,
    run: run.id,
    allocation: allocation.id,
    apiKey: keys.items[0].id,
    user: owner.id,
    server: server.id,
    executor: (await createExecutor()).id,
    job: job.id,
  };
  return { ids, ownerKey: owner.key };
}

const freshIds = (): Ids => ({
  project: newId(),
  run: newId(),
  allocation: newId(),
  apiKey: newId(),
  user: newId(),
  server: newId(),
  executor: newId(),
  job: newId(),
});

async function answer(key: string, [path, options]: [string, CallOptions?]) {
  const response = await call(path, { ...options, key });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

describe("another member's resources", () => {
  it("answer exactly like ones that do not exist, on every route that takes an id", async () => {
    const { ids, ownerKey } = await othersResources();
    const stranger = await createUser();
    for (const [label, request] of cases) {
      const theirs = await answer(stranger.key, request(ids));
      const missing = await answer(stranger.key, request(freshIds()));
      expect(theirs, label).toEqual(missing);
      // Refused, or (a filter) an empty list.
      expect(theirs.status >= 400 || theirs.body.items.length === 0, label).toBe(true);
    }
    // None of it was touched: the owner still has it all.
    const run = await expectStatus(200, `/runs/${ids.run}`, { key: ownerKey });
    expect(ACTIVE_RUN_STATUSES).toContain(run.status);
    const allocations = await expectStatus(200, `/allocations?projectId=${ids.project}`, { key: ownerKey });
    expect(allocations.items.map((a: { id: string }) => a.id)).toEqual([ids.allocation]);
    const secrets = await expectStatus(200, `/projects/${ids.project}/secrets`, { key: ownerKey });
    expect(secrets.items.map((s: { name: string }) => s.name)).toEqual([SECRET]);
    await expectStatus(200, `/runs/${ids.run}/cancel`, { method: "POST", key: ownerKey });
  }, 30_000);
});
