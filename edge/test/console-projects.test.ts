// The console's projects page: what a member sees (their own projects, never another's), what an
// admin sees (everyone's), the search and status filter, and the empty states. Against the real
// Worker, as a signed-in browser.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../src/ids.ts";
import { browse, signInWithLink } from "./console-helpers.ts";
import { createProject, createUser, unique } from "./helpers.ts";

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
