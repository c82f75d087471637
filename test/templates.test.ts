/**
 * The template catalog end to end: a real Worker under `wrangler dev` and a real executor daemon
 * check each registration with a `copier` inspect job. The built-in template and a git template
 * at a version constraint (a local bare repository with tags) become `ready` with their questions;
 * a template whose copier.yml is broken, an unknown directory and a repository that cannot be
 * cloned become `invalid`, saying why (the broken one with its file and line).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Template } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Fleet } from "./support/fleet.ts";
import { git } from "./support/template-git.ts";

let fleet: Fleet;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "co-templates-"));
  // The tests' template repositories are file:// URLs: local repositories allowed, as `npm start` does.
  fleet = await Fleet.start({ REPO_ALLOW_LOCAL: "true" });
  await fleet.executor(2, {});
});
afterAll(async () => {
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A bare repository whose tags each commit `copier.yml` as `files(tag)` writes it; returns its URL and commits. */
async function templateRepo(name: string, tags: string[], files: (tag: string) => Record<string, string>) {
  const bare = path.join(dir, `${name}.git`);
  const work = path.join(dir, `${name}-work`);
  await git(["init", "--quiet", "--bare", "--initial-branch=main", bare]);
  await mkdir(work);
  await git(["init", "--quiet", "--initial-branch=main"], work);
  const commits: Record<string, string> = {};
  for (const tag of tags) {
    for (const [file, text] of Object.entries(files(tag))) await writeFile(path.join(work, file), text);
    await git(["add", "--all"], work);
    await git(["commit", "--quiet", "-m", `release ${tag}`], work);
    await git(["tag", "-a", tag, "-m", tag], work);
    commits[tag] = await git(["rev-parse", "HEAD"], work);
  }
  await git(["push", "--quiet", bare, "main", "--tags"], work);
  return { url: `file://${bare}`, commits };
}

const register = (name: string, source: Record<string, unknown>) =>
  fleet.call<Template>("/templates", {
    name,
    title: name,
    description: `The ${name} template.`,
    tags: ["test"],
    source,
  });

/** Polls until the template's check ended. */
async function checked(id: string, timeoutMs = 60_000): Promise<Template> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const template = await fleet.call<Template>(`/templates/${id}`);
    if (template.status !== "checking") return template;
    if (Date.now() > deadline) throw new Error(`template ${id} still checking after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("template catalog through the executor fleet", () => {
  it("checks the built-in template and a git template at a version constraint: ready, with their questions", async () => {
    const repo = await templateRepo("service-template", ["v1.0.0", "v1.2.0", "v2.0.0-rc1"], (tag) => ({
      "copier.yml": [
        "_subdirectory: project",
        `_message_after_copy: "{{ service }} from ${tag}"`,
        "service:",
        "  type: str",
        "  help: The service's name",
        `  default: "svc-${tag}"`,
        '  validator: "{% if not service %}required{% endif %}"',
        "features:",
        "  type: str",
        "  multiselect: true",
        "  choices: [api, worker]",
        "  default: [api]",
        "",
      ].join("\n"),
    }));

    const builtin = await register("node-api", { kind: "builtin", path: "node-service" });
    expect(builtin).toMatchObject({ status: "checking", questions: null });
    const gitTemplate = await register("service-template", { kind: "git", url: repo.url, version: ">=1,<2" });

    const node = await checked(builtin.id);
    expect(node, JSON.stringify(node.error)).toMatchObject({
      status: "ready",
      subdirectory: "template",
      version: null,
    });
    expect(node.questions?.map((q) => q.name)).toEqual([
      "project_name",
      "description",
      "author_name",
      "node_version",
      "port",
      "modules",
      "session_secret",
    ]);
    expect(node.questions?.find((q) => q.name === "modules")).toMatchObject({
      multiselect: true,
      choices: [
        { label: "SQLite database (node:sqlite)", value: "database" },
        { label: "Telegram bot (webhook)", value: "telegram" },
      ],
    });

    const service = await checked(gitTemplate.id);
    expect(service, JSON.stringify(service.error)).toMatchObject({
      status: "ready",
      source: { kind: "git", url: repo.url, version: ">=1,<2" },
      version: { tag: "v1.2.0", commit: repo.commits["v1.2.0"] },
      subdirectory: "project",
      messages: { afterCopy: "{{ service }} from v1.2.0" },
    });
    expect(service.questions).toEqual([
      {
        name: "service",
        type: "str",
        help: "The service's name",
        default: "svc-v1.2.0",
        validator: "{% if not service %}required{% endif %}",
        multiselect: false,
        secret: false,
      },
      {
        name: "features",
        type: "str",
        multiselect: true,
        choices: [
          { label: "api", value: "api" },
          { label: "worker", value: "worker" },
        ],
        default: ["api"],
        secret: false,
      },
    ]);

    // The default template, registered when the catalog was first used, is checked the same way.
    const listed = await fleet.call<{ items: Template[] }>("/templates?limit=200");
    const fallback = listed.items.find((t) => t.default);
    expect(fallback).toMatchObject({
      name: "node-service",
      source: { kind: "builtin", path: "node-service" },
    });
    expect(await checked(fallback?.id as string)).toMatchObject({ status: "ready" });
  });

  it("a broken copier.yml, an unknown directory and a repository that cannot be cloned become invalid, saying why", async () => {
    const repo = await templateRepo("broken-template", ["v1.0.0"], () => ({
      "copier.yml": "name:\n  type: str\n  help: [unclosed\nother: 1\n",
    }));
    const broken = await register("broken-template", { kind: "git", url: repo.url, version: "~=1.0" });
    const unknown = await register("unknown-dir", { kind: "builtin", path: "no-such-template" });
    const gone = await register("gone-repo", { kind: "git", url: `file://${dir}/nothing.git` });

    expect(await checked(broken.id)).toMatchObject({
      status: "invalid",
      questions: null,
      error: {
        code: "invalid_template",
        message: expect.stringMatching(/^invalid YAML/),
        file: "copier.yml",
        line: 4,
      },
    });
    expect(await checked(unknown.id)).toMatchObject({
      status: "invalid",
      error: { code: "invalid_template", message: "template directory not found: no-such-template" },
    });
    const unreachable = await checked(gone.id);
    expect(unreachable).toMatchObject({ status: "invalid", error: { code: "invalid_template" } });
    expect(unreachable.error?.message).toContain(`cannot fetch the template from file://${dir}/nothing.git`);
  });
});
