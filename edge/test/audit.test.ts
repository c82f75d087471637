import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.ts";
import { call, createUser, unique } from "./helpers.ts";

const auditRows = async () =>
  (await env.DB.prepare("select count(*) as n from audit_log").first<{ n: number }>())?.n ?? 0;

describe("audit log", () => {
  it("gets exactly one row for each successful mutating call, on every mutating route", async () => {
    const member = await createUser();
    const covered = new Set<string>();
    const ids: Record<string, string> = {};
    const steps: [string, string, () => string, (() => unknown) | undefined, (body: any) => unknown][] = [
      ["POST", "/users", () => "/users", () => ({ name: unique("u") }), (b) => (ids.user = b.id)],
      ["PATCH", "/users/{id}", () => `/users/${ids.user}`, () => ({ name: "Renamed" }), () => {}],
      [
        "POST",
        "/api-keys",
        () => "/api-keys",
        () => ({ name: "k", userId: ids.user }),
        (b) => (ids.key = b.id),
      ],
      ["DELETE", "/api-keys/{id}", () => `/api-keys/${ids.key}`, undefined, () => {}],
      [
        "PUT",
        "/users/{id}/budget",
        () => `/users/${ids.user}/budget`,
        () => ({ monthlyBudgetUsd: 20 }),
        () => {},
      ],
      [
        "POST",
        "/projects",
        () => "/projects",
        () => ({ name: unique("p"), ownerId: member.id, repoUrl: "https://git.example.test/audit.git" }),
        (b) => (ids.project = b.id),
      ],
      ["PATCH", "/projects/{id}", () => `/projects/${ids.project}`, () => ({ description: "d" }), () => {}],
      [
        "PUT",
        "/projects/{id}/budget",
        () => `/projects/${ids.project}/budget`,
        () => ({ monthlyBudgetUsd: 5 }),
        () => {},
      ],
      [
        "PUT",
        "/projects/{id}/secrets/{name}",
        () => `/projects/${ids.project}/secrets/A`,
        () => ({ value: "v" }),
        () => {},
      ],
      [
        "DELETE",
        "/projects/{id}/secrets/{name}",
        () => `/projects/${ids.project}/secrets/A`,
        undefined,
        () => {},
      ],
      [
        "POST",
        "/servers",
        () => "/servers",
        () => ({ name: unique("s"), host: "h", memoryMb: 64, cpuCores: 1, baseDomain: "apps.test" }),
        (b) => (ids.server = b.id),
      ],
      ["PATCH", "/servers/{id}", () => `/servers/${ids.server}`, () => ({ memoryMb: 128 }), () => {}],
      [
        "POST",
        "/allocations",
        () => "/allocations",
        () => ({ projectId: ids.project, service: "web", serverId: ids.server }),
        (b) => (ids.allocation = b.id),
      ],
      [
        "POST",
        "/projects/{id}/previews",
        () => `/projects/${ids.project}/previews`,
        () => ({ branch: "feature-x" }),
        () => {},
      ],
      [
        "DELETE",
        "/projects/{id}/previews/{branch}",
        () => `/projects/${ids.project}/previews/feature-x`,
        undefined,
        // Its teardown run needs an executor: the row goes as that run would drop it.
        async () => {
          await env.DB.prepare("delete from previews").run();
        },
      ],
      ["DELETE", "/allocations/{id}", () => `/allocations/${ids.allocation}`, undefined, () => {}],
      ["DELETE", "/servers/{id}", () => `/servers/${ids.server}`, undefined, () => {}],
      [
        "POST",
        "/templates",
        () => "/templates",
        // Registered (202) and left checking: the check's own writes are the system's, not audited.
        () => ({ name: unique("t"), title: "T", description: "D", source: { kind: "builtin", path: "t" } }),
        (b) => (ids.template = b.id),
      ],
      [
        "PATCH",
        "/templates/{id}",
        () => `/templates/${ids.template}`,
        () => ({ manifest: { service: { healthPath: "/healthz" } } }),
        () => {},
      ],
      ["DELETE", "/templates/{id}", () => `/templates/${ids.template}`, undefined, () => {}],
      [
        "POST",
        "/projects/{id}/runs",
        () => `/projects/${ids.project}/runs`,
        // DevOps: with no executor here it waits at its first job, so it can be cancelled.
        () => ({ kind: "devops" }),
        (b) => (ids.run = b.id),
      ],
      ["POST", "/runs/{id}/cancel", () => `/runs/${ids.run}/cancel`, undefined, () => {}],
      ["DELETE", "/projects/{id}", () => `/projects/${ids.project}`, undefined, () => {}],
      [
        "POST",
        "/executors",
        () => "/executors",
        () => ({ name: unique("e") }),
        (b) => (ids.executor = b.executor.id),
      ],
      ["POST", "/executors/{id}/{action}", () => `/executors/${ids.executor}/drain`, undefined, () => {}],
      ["DELETE", "/executors/{id}", () => `/executors/${ids.executor}`, undefined, () => {}],
      [
        "POST",
        "/jobs",
        () => "/jobs",
        () => ({ kind: "exec", spec: { command: ["true"] } }),
        (b) => (ids.job = b.id),
      ],
      [
        "POST",
        "/jobs/batch",
        () => "/jobs/batch",
        () => ({ jobs: [{ kind: "exec", spec: { command: ["true"] }, labels: { lane: "none" } }] }),
        () => {},
      ],
      ["POST", "/jobs/{id}/cancel", () => `/jobs/${ids.job}/cancel`, undefined, () => {}],
      ["POST", "/sign-in-links", () => "/sign-in-links", () => ({}), () => {}],
    ];
    for (const [method, route, path, body, keep] of steps) {
      const before = await auditRows();
      const response = await call(path(), { method, body: body?.() });
      expect(response.status, `${method} ${route}`).toBeLessThan(300);
      await keep(response.status === 204 ? undefined : await response.json());
      expect(await auditRows(), `${method} ${route}`).toBe(before + 1);
      covered.add(`${method} /api/v1${route}`);
    }

    // Answering a run needs one waiting in a live workflow: test/pipelines.test.ts decides one and
    // checks its single audit row, test/architect-templates.test.ts answers one's template questions
    // and checks theirs.
    covered.add("POST /api/v1/runs/{id}/decision");
    covered.add("POST /api/v1/runs/{id}/answers");
    // An upgrade run's decision (test/template-upgrades.test.ts checks its one row, merge and skip),
    // and a template's check for a newer release (edge/test/template-upgrades.test.ts: one row).
    covered.add("POST /api/v1/runs/{id}/upgrade");
    covered.add("POST /api/v1/templates/{id}/check");
    // A run at its budget (test/budgets.test.ts checks its one audit row), and a server check,
    // which needs an executor (test/server-checks.test.ts checks one row per check).
    covered.add("POST /api/v1/runs/{id}/budget");
    covered.add("POST /api/v1/servers/{id}/check");
    // The bot pool checks a token with Telegram's getMe, on loopback in test/bot-pool.test.ts,
    // which checks one audit row for adding a bot and one for removing it.
    covered.add("POST /api/v1/bots");
    covered.add("DELETE /api/v1/bots/{id}");
    // A custom domain needs a deployed project, a proxied server and a DNS resolver that answers:
    // test/https.test.ts checks its one audit row (set, then removed).
    covered.add("PUT /api/v1/projects/{id}/domain");
    covered.add("DELETE /api/v1/projects/{id}/domain");
    const mutating = createApp()
      .routes.filter((r) => ["POST", "PUT", "PATCH", "DELETE"].includes(r.method))
      // The Telegram webhook is not an API route, and the web chat's routes are its twin (a message
      // to the PO agent changes nothing by itself): the chat's own operations are audited instead.
      .filter((r) => r.path.startsWith("/api/v1") && !r.path.startsWith("/api/v1/chat/"))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    expect([...covered].sort()).toEqual([...new Set(mutating)].sort());
  });
});
