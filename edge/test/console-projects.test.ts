// The console's projects page: what a member sees (their own projects, never another's), what an
// admin sees (everyone's), the search and status filter, and the empty states. Against the real
// Worker, as a signed-in browser.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../src/ids.ts";
import { browse, formPost, signInWithLink } from "./console-helpers.ts";
import { createProject, createUser, expectStatus, unique } from "./helpers.ts";

const page = async (cookie: string | null, query = "") => {
  const response = await browse({ cookie }, `/${query}`);
  expect(response.status).toBe(200);
  return response.text();
};

describe("console projects page", () => {
  it("shows a member their own projects with URL, last run and cost, and never another's", async () => {
    const [ada, eve] = [await createUser(), await createUser()];
    const mine = await createProject(ada.key, { name: unique("Shortener") });
    const theirs = await createProject(eve.key, { name: unique("Secret Plan") });
    const now = Date.now();
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO runs (id, project_id, kind, status, created_at) VALUES (?, ?, 'engineering', 'succeeded', ?)",
      ).bind(newId(), mine.id, now),
      env.DB.prepare(
        "INSERT INTO costs (id, project_id, source, amount_usd, created_at) VALUES (?, ?, 'architect', 0.125, ?)",
      ).bind(newId(), mine.id, now),
    ]);
    const html = await page((await signInWithLink(ada)).cookie);
    expect(html).toContain(mine.name);
    expect(html).not.toContain(theirs.name);
    expect(html).toContain("engineering, succeeded");
    expect(html).toContain(`datetime="${new Date(now).toISOString()}"`);
    expect(html).toContain("$0.13");
    expect(html).toContain("not deployed");
  });

  it("shows an admin everyone's projects", async () => {
    const member = await createUser();
    const project = await createProject(member.key, { name: unique("Members Project") });
    const admin = await createUser("admin");
    expect(await page((await signInWithLink(admin)).cookie)).toContain(project.name);
  });

  it("finds projects by name or slug and by status; % and _ are plain characters", async () => {
    const member = await createUser();
    const tag = unique("zq");
    const alpha = await createProject(member.key, { name: `Alpha ${tag}` });
    const beta = await createProject(member.key, { name: `Beta ${tag}` });
    const { cookie } = await signInWithLink(member);
    const byName = await page(cookie, `?q=${encodeURIComponent(`alpha ${tag}`)}`);
    expect(byName).toContain(alpha.name);
    expect(byName).not.toContain(beta.name);
    expect(await page(cookie, `?q=${encodeURIComponent(beta.slug)}`)).toContain(beta.name);
    expect(await page(cookie, "?q=%25")).toContain("No project matches.");
    expect(await page(cookie, "?q=_")).toContain("No project matches.");
    expect(await page(cookie, "?status=deployed")).toContain("No project matches.");
    const drafts = await page(cookie, "?status=draft");
    expect(drafts).toContain(alpha.name);
    expect(drafts).toContain('<option value="draft" selected="">');
  });

  it("escapes what members wrote, and says what to do when there is nothing yet", async () => {
    const member = await createUser();
    const { cookie } = await signInWithLink(member);
    expect(await page(cookie)).toContain("No projects yet.");
    await createProject(member.key, { name: '<img src=x onerror="alert(1)">' });
    const html = await page(cookie);
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  });
});

describe("console project page", () => {
  it("shows the member's own project, and answers 404 for another's", async () => {
    const [ada, eve] = [await createUser(), await createUser()];
    const mine = await createProject(ada.key, { name: unique("Mine"), description: "Short links" });
    const theirs = await createProject(eve.key, { name: unique("Theirs") });
    const { cookie } = await signInWithLink(ada);
    const own = await browse({ cookie }, `/projects/${mine.id}`);
    expect(own.status).toBe(200);
    const html = await own.text();
    expect(html).toContain(mine.name);
    expect(html).toContain("Short links");
    expect(html).toContain("No secrets.");
    const other = await browse({ cookie }, `/projects/${theirs.id}`);
    expect(other.status).toBe(404);
    const refused = await other.text();
    expect(refused).toContain("No project with this id.");
    expect(refused).not.toContain(theirs.name);
  });

  it("sets a secret through the write-only field: its name is listed, its value never shown", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const browser = await signInWithLink(member);
    const canary = `canary-${unique("v")}`;
    const set = await formPost(browser, `/projects/${project.id}/secrets`, {
      name: "API_TOKEN",
      value: canary,
    });
    expect(set.status).toBe(303);
    const page = await browse(browser, set.headers.get("location") ?? "");
    const html = await page.text();
    expect(html).toContain("API_TOKEN is set.");
    expect(html).toContain("<code>API_TOKEN</code>");
    expect(html).not.toContain(canary);
    const listed = await browse(browser, `/api/v1/projects/${project.id}/secrets`);
    expect(((await listed.json()) as { items: { name: string }[] }).items.map((s) => s.name)).toEqual([
      "API_TOKEN",
    ]);

    const crossSite = await formPost(
      browser,
      `/projects/${project.id}/secrets/API_TOKEN/delete`,
      {},
      "cross-site",
    );
    expect(crossSite.status).toBe(403);
    const removed = await formPost(browser, `/projects/${project.id}/secrets/API_TOKEN/delete`, {});
    expect(removed.status).toBe(303);
    expect(await (await browse(browser, `/projects/${project.id}`)).text()).toContain("No secrets.");

    // Ticked "production only": listed so, and so in the API (previews never get it).
    await formPost(browser, `/projects/${project.id}/secrets`, {
      name: "LIVE_KEY",
      value: canary,
      productionOnly: "on",
    });
    expect(await (await browse(browser, `/projects/${project.id}`)).text()).toMatch(
      /<code>LIVE_KEY<\/code>\s*<span class="muted">production only<\/span>/,
    );
    const flagged = await browse(browser, `/api/v1/projects/${project.id}/secrets`);
    expect(((await flagged.json()) as { items: unknown[] }).items).toEqual([
      expect.objectContaining({ name: "LIVE_KEY", productionOnly: true }),
    ]);
  });

  it("offers a custom domain form, which refuses what is not a domain and a project with no server yet", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const browser = await signInWithLink(member);
    expect(await (await browse(browser, `/projects/${project.id}`)).text()).toContain('name="domain"');
    const at = `/projects/${project.id}/domain`;
    expect((await formPost(browser, at, { domain: "shop.example.com" }, "cross-site")).status).toBe(403);
    const bad = await formPost(browser, at, { domain: "shop.example.com {\n}" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("A domain is a name such as shop.example.com.");
    const early = await formPost(browser, at, { domain: "shop.example.com" });
    expect(early.status).toBe(409);
    expect(await early.text()).toContain("has no server yet");
  });

  it("deletes a project only when its slug is typed, and a read-only session cannot", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const browser = await signInWithLink(member);
    const wrong = await formPost(browser, `/projects/${project.id}/delete`, { confirm: "not-it" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain(`slug, ${project.slug}, to delete it.`);

    // A session opened with a read-only key reads its projects, and changes none.
    const reader = await createUser("member", ["read"]);
    const readersProject = await expectStatus(201, "/projects", {
      body: { name: unique("R"), ownerId: reader.id },
    });
    const readOnly = await formPost({ cookie: null }, "/sign-in/key", { key: reader.key });
    const readerCookie = readOnly.headers.get("set-cookie")?.split(";")[0] ?? null;
    expect((await browse({ cookie: readerCookie }, `/projects/${readersProject.id}`)).status).toBe(200);
    const refused = await formPost({ cookie: readerCookie }, `/projects/${readersProject.id}/delete`, {
      confirm: readersProject.slug,
    });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("read-only API key");
    await expectStatus(200, `/projects/${readersProject.id}`);

    const done = await formPost(browser, `/projects/${project.id}/delete`, { confirm: project.slug });
    expect(done.status).toBe(303);
    await expectStatus(404, `/projects/${project.id}`);
  });
});

describe("console project page: its template", () => {
  it("names the template the Architect chose, its release, and the answers its questions got", async () => {
    const ada = await createUser();
    const project = await createProject(ada.key, { name: unique("Py Shortener") });
    const spec = {
      name: "Py Shortener",
      description: "Shortens URLs",
      modules: ["database"],
      acceptanceCriteria: ["GET /health answers 200"],
      template: { id: "00000000000000000000000002", name: "python-service", title: "Python HTTP service" },
      answers: { python_version: "3.12", modules: ["database"], port: 8080 },
    };
    await env.DB.prepare("UPDATE projects SET spec = ?, template_version = ? WHERE id = ?")
      .bind(JSON.stringify(spec), "builtin", project.id)
      .run();
    const response = await browse(await signInWithLink(ada), `/projects/${project.id}`);
    const html = await response.text();
    expect(html).toContain('<a href="/templates">Python HTTP service</a> <code>python-service</code>');
    expect(html).toContain("<code>python_version</code>: 3.12");
    expect(html).toContain("<code>modules</code>: database");
    expect(html).toContain("<code>port</code>: 8080");

    const fresh = await createProject(ada.key, { name: unique("Fresh") });
    const empty = await (await browse(await signInWithLink(ada), `/projects/${fresh.id}`)).text();
    expect(empty).toContain("not chosen yet");
  });
});

describe("console project page: its service's health", () => {
  it("shows the monitor's days and the incidents with their steps and times; nothing yet says so", async () => {
    const owner = await createUser();
    const project = await createProject(owner.key, { name: unique("Watched") });
    const { cookie } = await signInWithLink(owner);
    const before = await (await browse({ cookie }, `/projects/${project.id}`)).text();
    expect(before).toContain(
      "Not checked yet: once deployed, its health URL is checked every 60 s (an executor",
    );
    expect(before).toContain("None: no failed release, no outage found.");

    const opened = Date.parse("2026-12-03T10:00:10Z");
    const actions = [{ at: "2026-12-03T10:00:10Z", action: "restart", by: "policy", outcome: "succeeded" }];
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO monitor_days (project_id, day, checks, failures, latency_p50_ms, latency_p95_ms, latency_p99_ms, updated_at) VALUES (?, '2026-12-03', 1440, 3, 4, 9, 20, ?)",
      ).bind(project.id, opened),
      env.DB.prepare(
        "INSERT INTO incidents (id, project_id, kind, severity, message, actions, started_at, opened_at, resolved_at) VALUES (?, ?, 'service_down', 'critical', 'http://h:1/health failed 3 checks in a row.', ?, ?, ?, ?)",
      ).bind(newId(), project.id, JSON.stringify(actions), opened - 4000, opened, opened + 6000),
    ]);
    const html = await (await browse({ cookie }, `/projects/${project.id}`)).text();
    expect(html).toContain("99.79 %");
    expect(html).toContain("20 ms");
    expect(html).toContain("service_down");
    expect(html).toContain("restart: succeeded");
    expect(html).toContain("4 s");
    expect(html).toContain("(10 s)");
  });

  it("names the live release, and behind a proxy the site's certificate once a check saw it", async () => {
    const owner = await createUser();
    const project = await createProject(owner.key, { name: unique("Proxied") });
    const { cookie } = await signInWithLink(owner);
    const commit = "0123456789abcdef0123456789abcdef01234567";
    const now = Date.now();
    const deployment = (status: string, sha: string, at: number) =>
      env.DB.prepare(
        "INSERT INTO deployments (id, project_id, commit_sha, url, status, created_at) VALUES (?, ?, ?, 'https://shop.apps.example.com', ?, ?)",
      ).bind(newId(), project.id, sha, status, at);
    await env.DB.batch([
      deployment("superseded", "fedcba9876543210fedcba9876543210fedcba98", now - 60_000),
      deployment("deployed", commit, now),
    ]);
    const html = await (await browse({ cookie }, `/projects/${project.id}`)).text();
    expect(html).toContain("<dt>Live release</dt>");
    expect(html).toContain(`<code>${commit.slice(0, 12)}</code> since`);
    expect(html).toContain("<dt>Certificate</dt>");
    // No monitor has checked it here: the page says so rather than guessing.
    expect(html).toContain("not checked yet");
    // The API says the same: the live release at its URL, no certificate seen yet.
    const body = await expectStatus<{ live: object; certificate: unknown; items: unknown[] }>(
      200,
      `/projects/${project.id}/deployments`,
      { key: owner.key },
    );
    expect(body.live).toMatchObject({ commit, url: "https://shop.apps.example.com" });
    expect(body.certificate).toBeNull();
    expect(body.items).toHaveLength(2);
  });
});
