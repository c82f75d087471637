// The templates page: everyone sees the ready templates with what they build and their questions;
// admins also see those being checked, register one through the API's schema and function
// (audited, its check started) and remove one, confirmed; a member's or another site's form is
// refused. Against the real Worker, as a signed-in browser (no executor: checks stay `checking`).
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
