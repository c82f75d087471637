// The templates page: everyone sees the ready templates with what they build and their questions;
// admins also see those being checked, register one through the API's schema and function
// (audited, its check started), set and change its manifest (bad JSON said beside the form, what
// was typed kept) and remove one, confirmed; a member's or another site's form is refused. Against the real Worker, as a signed-in browser (no executor: checks stay `checking`).
import { describe, expect, it } from "vitest";
import { browse, formPost, signInWithLink } from "./console-helpers.ts";
import { createUser, expectStatus, unique } from "./helpers.ts";

const templateNamed = async (name: string) =>
  (await expectStatus<{ items: any[] }>(200, "/templates?limit=200")).items.find((t) => t.name === name);

describe("console templates page", () => {
  it("registers a git template at a version constraint, shows it checking, and removes it, confirmed", async () => {
    const admin = await signInWithLink(await createUser("admin"));
    const name = unique("tpl");
    const fields = {
      name,
      title: "Python API",
      description: "A Python HTTP API with a database",
      tags: "python, http-api",
      kind: "git",
      url: "https://git.example.test/python-api.git",
      version: ">=1.2,<2",
      path: "",
    };
    const created = await formPost(admin, "/templates", fields);
    expect(created.status).toBe(303);
    expect(decodeURIComponent(created.headers.get("location") ?? "")).toContain(`${name} is registered`);
    const row = await templateNamed(name);
    expect(row).toMatchObject({
      title: "Python API",
      tags: ["python", "http-api"],
      source: { kind: "git", url: fields.url, version: ">=1.2,<2" },
      status: "checking",
    });
    const page = await (await browse(admin, "/templates")).text();
    expect(page).toContain("Python API");
    expect(page).toContain("https://git.example.test/python-api.git (&gt;=1.2,&lt;2)");
    expect(page).toContain("node-service");
    expect(page).toContain("(the default)");

    // The same name again: said beside the form, which keeps what was typed.
    const taken = await formPost(admin, "/templates", fields);
    expect(taken.status).toBe(409);
    expect(await taken.text()).toContain('value="Python API"');

    const unconfirmed = await formPost(admin, `/templates/${row.id}/delete`, {});
    expect(unconfirmed.status).toBe(400);
    expect(await unconfirmed.text()).toContain("Tick the box to confirm the removal.");
    const removed = await formPost(admin, `/templates/${row.id}/delete`, { confirm: "yes" });
    expect(removed.status).toBe(303);
    expect(await templateNamed(name)).toBeUndefined();
  });

  it("says what is wrong with the form, by its labels", async () => {
    const admin = await signInWithLink(await createUser("admin"));
    const bad = await formPost(admin, "/templates", {
      name: "Not A Slug",
      title: "",
      description: "x",
      kind: "builtin",
      path: "../etc",
    });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain("Name:");
    expect(html).toContain("Title:");
    expect(html).toContain("Source:");
  });

  it("registers a template with a manifest, changes it, and says what is wrong with bad JSON, keeping it", async () => {
    const admin = await signInWithLink(await createUser("admin"));
    const name = unique("tpl");
    const fields = {
      name,
      title: "Compose notes",
      description: "A third-party service with a Makefile",
      kind: "builtin",
      path: "node-service",
      url: "",
      version: "",
    };
    const typo = '{"test": {"command": ["make", "check"]},}';
    const refused = await formPost(admin, "/templates", { ...fields, manifest: typo });
    expect(refused.status).toBe(400);
    const refusedPage = await refused.text();
    expect(refusedPage).toContain("The manifest is not valid JSON (");
    // Nothing typed is lost: the manifest and the other fields are in the form again.
    expect(refusedPage).toContain(
      "{&quot;test&quot;: {&quot;command&quot;: [&quot;make&quot;, &quot;check&quot;]},}",
    );
    expect(refusedPage).toContain('value="Compose notes"');
    expect(await templateNamed(name)).toBeUndefined();

    const manifest = { test: { command: ["make", "check"] } };
    const created = await formPost(admin, "/templates", { ...fields, manifest: JSON.stringify(manifest) });
    expect(created.status).toBe(303);
    const row = await templateNamed(name);
    expect(row.manifest).toEqual(manifest);
    const page = await (await browse(admin, "/templates")).text();
    expect(page).toContain(`action="/templates/${row.id}/manifest"`);
    expect(page).toContain("&quot;command&quot;: [");

    const action = `/templates/${row.id}/manifest`;
    const notJson = await formPost(admin, action, { manifest: "{ test: 1 }" });
    expect(notJson.status).toBe(400);
    const notJsonPage = await notJson.text();
    expect(notJsonPage).toContain("The manifest is not valid JSON (");
    expect(notJsonPage).toContain("{ test: 1 }");
    const unfit = await formPost(admin, action, { manifest: '{"service": {"healthPath": "ready"}}' });
    expect(unfit.status).toBe(400);
    expect(await unfit.text()).toContain("The manifest does not fit: service.healthPath: a URL path.");
    expect((await templateNamed(name)).manifest).toEqual(manifest);

    const changed = {
      test: { command: ["pytest"] },
      service: { start: ["make", "run"], healthPath: "/ready" },
    };
    const saved = await formPost(admin, action, { manifest: JSON.stringify(changed) });
    expect(saved.status).toBe(303);
    expect(decodeURIComponent(saved.headers.get("location") ?? "")).toContain(
      `The manifest of ${name} is saved.`,
    );
    expect((await templateNamed(name)).manifest).toEqual(changed);
    const cleared = await formPost(admin, action, { manifest: "  " });
    expect(decodeURIComponent(cleared.headers.get("location") ?? "")).toContain(
      `The manifest of ${name} is removed.`,
    );
    expect((await templateNamed(name)).manifest).toBeNull();

    const member = await signInWithLink(await createUser());
    expect((await formPost(member, action, { manifest: "{}" })).status).toBe(403);
    expect((await formPost(member, action, { manifest: "not json" })).status).toBe(403);
    expect((await formPost(admin, action, { manifest: "{}" }, "cross-site")).status).toBe(403);
  });

  it("shows members the ready templates only, with no forms, and refuses their changes and other sites'", async () => {
    const member = await signInWithLink(await createUser());
    const page = await browse(member, "/templates");
    expect(page.status).toBe(200);
    const html = await page.text();
    // No executor checks the default here, so nothing is ready yet: the page says so.
    expect(html).toContain("No template is ready yet");
    expect(html).not.toContain("Register a template");
    const refused = await formPost(member, "/templates", {
      name: unique("m"),
      title: "t",
      description: "d",
      kind: "builtin",
      path: "node-service",
    });
    expect(refused.status).toBe(403);

    const admin = await signInWithLink(await createUser("admin"));
    const crossSite = await formPost(admin, "/templates", { name: unique("x") }, "cross-site");
    expect(crossSite.status).toBe(403);
  });
});
