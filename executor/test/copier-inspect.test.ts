/**
 * `copier` jobs in inspect mode: a template's questions read, not rendered, from the templates
 * directory or from a git repository at the newest tag a version constraint allows; a copier.yml
 * that does not parse, a missing template and an unreachable repository as `invalid_template`.
 */
import { CopierInspection, CopierJobSpec, ScaffoldFailure } from "@codegen-orchestrator/shared";
import { afterAll, describe, expect, it } from "vitest";
import type { RunContext } from "../src/jobs/runner.ts";
import { runCopier } from "../src/kinds/copier/runner.ts";
import { writeTree } from "./scaffold/support.ts";
import { bareRepo, fixtureGit, removeTempDirs, tempDir } from "./support/git-fixtures.ts";
import { runContext } from "./support/run-context.ts";

afterAll(removeTempDirs);

async function inspect(template: unknown, overrides: Partial<RunContext> = {}) {
  const test = await runContext({ workdir: await tempDir("co-inspect-job-"), ...overrides });
  const outcome = await runCopier(CopierJobSpec.parse({ inspect: true, template }), test.ctx);
  const inspection = outcome.status === "succeeded" ? CopierInspection.parse(outcome.output) : null;
  const failure =
    outcome.status === "failed" && outcome.output ? ScaffoldFailure.parse(outcome.output) : null;
  return { ...outcome, inspection, failure: failure?.error ?? null, text: test.text };
}

/** A bare repo whose tags each hold a copier.yml asking `name` with that version as its default. */
async function taggedTemplateRepo(tags: string[]) {
  const repo = await bareRepo(await tempDir("co-inspect-repo-"), "tpl", 0);
  const work = await tempDir("co-inspect-work-");
  fixtureGit(work, "init", "--quiet", "--initial-branch=main");
  const commits: Record<string, string> = {};
  for (const tag of tags) {
    await writeTree(work, {
      "copier.yml": `name:\n  type: str\n  default: "${tag}"\n`,
      "{{ name }}.txt.jinja": "{{ name }}\n",
    });
    fixtureGit(work, "add", "--all");
    fixtureGit(work, "commit", "--quiet", "-m", tag);
    fixtureGit(work, "tag", "-a", tag, "-m", tag);
    commits[tag] = fixtureGit(work, "rev-parse", "HEAD");
  }
  fixtureGit(work, "push", "--quiet", repo.path, "main", "--tags");
  return { ...repo, commits };
}

describe("copier inspect", () => {
  it("reads the default template's questions as copier.yml writes them, rendering nothing", async () => {
    const result = await inspect({ path: "node-service" });
    expect(result.status, result.error).toBe("succeeded");
    const inspection = result.inspection as CopierInspection;
    expect(inspection).toMatchObject({ file: "copier.yml", subdirectory: "template", templateCommit: null });
    expect(inspection.messages.afterCopy).toContain("{{ project_name }} is ready");
    const byName = Object.fromEntries(inspection.questions.map((q) => [q.name, q]));
    expect(inspection.questions.map((q) => q.name)).toEqual([
      "project_name",
      "description",
      "author_name",
      "node_version",
      "port",
      "modules",
      "session_secret",
    ]);
    expect(byName.project_name).toMatchObject({ type: "str", placeholder: "hello-api", multiselect: false });
    expect(byName.project_name?.validator).toContain("regex_search");
    expect(byName.project_name).not.toHaveProperty("default");
    // Raw, as written: a Jinja default is not rendered.
    expect(byName.description?.default).toBe(
      "{{ project_name | replace('-', ' ') | title }}, an HTTP service",
    );
    expect(byName.node_version?.choices).toEqual([
      { label: "22", value: 22 },
      { label: "24", value: 24 },
    ]);
    expect(byName.modules).toMatchObject({
      multiselect: true,
      default: [],
      choices: [
        { label: "SQLite database (node:sqlite)", value: "database" },
        { label: "Telegram bot (webhook)", value: "telegram" },
      ],
    });
    expect(byName.session_secret).toMatchObject({ secret: true, default: "" });
  });

  it("keeps when, disabled choices, [label, value] pairs and a templated choice list raw", async () => {
    const templatesDir = await writeTree(await tempDir("co-inspect-templates-"), {
      "rich/copier.yml": [
        "_message_before_copy: Hello {{ name }}",
        "use_db:",
        "  type: bool",
        "  default: no",
        "db:",
        "  type: str",
        "  when: '{{ use_db }}'",
        "  choices:",
        "    Postgres: postgres",
        "    SQLite:",
        "      value: sqlite",
        "      validator: '{% if true %}not here{% endif %}'",
        "pairs:",
        "  choices: [[One, 1], [Two, 2]]",
        "  default: 1",
        "dynamic:",
        "  choices: '{{ [1, 2] | to_yaml }}'",
        "",
      ].join("\n"),
    });
    const result = await inspect({ path: "rich" }, { templatesDir });
    expect(result.status, result.error).toBe("succeeded");
    const [useDb, db, pairs, dynamic] = result.inspection?.questions ?? [];
    expect(result.inspection?.messages.beforeCopy).toBe("Hello {{ name }}");
    expect(useDb).toMatchObject({ type: "bool", default: false });
    expect(db).toMatchObject({
      when: "{{ use_db }}",
      choices: [
        { label: "Postgres", value: "postgres" },
        { label: "SQLite", value: "sqlite", validator: "{% if true %}not here{% endif %}" },
      ],
    });
    expect(db).not.toHaveProperty("default");
    expect(pairs).toMatchObject({
      type: "int",
      choices: [
        { label: "One", value: 1 },
        { label: "Two", value: 2 },
      ],
    });
    expect(dynamic?.choices).toBe("{{ [1, 2] | to_yaml }}");
  });

  it("inspects a git template at the newest tag a version constraint allows, and records it", async () => {
    const repo = await taggedTemplateRepo(["v1.0.0", "v1.2.0", "v2.0.0-rc1"]);
    const cacheDir = await tempDir("co-inspect-cache-");
    const result = await inspect({ url: repo.url, version: ">=1,<2" }, { cacheDir });
    expect(result.status, result.error).toBe("succeeded");
    expect(result.inspection).toMatchObject({
      templateRef: "v1.2.0",
      templateCommit: repo.commits["v1.2.0"],
    });
    expect(result.inspection?.questions[0]?.default).toBe("v1.2.0");

    const compatible = await inspect({ url: repo.url, version: "~=1.0" }, { cacheDir });
    expect(compatible.inspection?.templateRef).toBe("v1.2.0");
    const first = await inspect({ url: repo.url, version: "==1.0.*" }, { cacheDir });
    expect(first.inspection?.templateRef).toBe("v1.0.0");

    const none = await inspect({ url: repo.url, version: ">=2" }, { cacheDir });
    expect(none.status).toBe("failed");
    expect(none.failure?.code).toBe("invalid_template");
    expect(none.failure?.message).toMatch(/no release of .* matches >=2 \(its tags: .*v2\.0\.0-rc1/);
  });

  it("renders a git template at a version constraint, recording the tag as _commit and the result's ref", async () => {
    const repo = await taggedTemplateRepo(["v1.0.0", "v1.2.0", "v2.0.0-rc1"]);
    const test = await runContext({ workdir: await tempDir("co-inspect-render-") });
    const outcome = await runCopier(
      CopierJobSpec.parse({ template: { url: repo.url, version: ">=1,<2" }, data: { name: "svc" } }),
      test.ctx,
    );
    expect(outcome.status, outcome.error).toBe("succeeded");
    expect(outcome.output).toMatchObject({
      templateRef: "v1.2.0",
      templateCommit: repo.commits["v1.2.0"],
      answers: { _commit: "v1.2.0", name: "svc" },
    });
  });

  it("a copier.yml that does not parse fails as invalid_template with its file and line", async () => {
    const templatesDir = await writeTree(await tempDir("co-inspect-templates-"), {
      "broken/copier.yml": "name:\n  type: str\n  help: [unclosed\nother: 1\n",
      "badquestion/copier.yml": "name:\n  type: str\n\nmodules:\n  multiselect: maybe\n",
      "included/copier.yml": "first: 1\n---\n!include extra.yml\n",
      "included/extra.yml": "second: 2\nthird:\n  secret: true\n",
    });
    const broken = await inspect({ path: "broken" }, { templatesDir });
    expect(broken.status).toBe("failed");
    expect(broken.failure).toMatchObject({ code: "invalid_template", file: "copier.yml", line: 4 });
    expect(broken.error).toMatch(/^invalid_template: invalid YAML/);

    const badQuestion = await inspect({ path: "badquestion" }, { templatesDir });
    expect(badQuestion.failure).toMatchObject({ code: "invalid_template", file: "copier.yml", line: 4 });
    expect(badQuestion.failure?.message).toMatch(/modules\.multiselect/);

    const included = await inspect({ path: "included" }, { templatesDir });
    expect(included.failure).toMatchObject({ code: "invalid_template", file: "extra.yml", line: 2 });
    expect(included.failure?.message).toMatch(/secret question `third` needs a default/);
  });

  it("an unknown template and a repository that cannot be cloned fail as invalid_template, saying which", async () => {
    const missing = await inspect({ path: "no-such-template" });
    expect(missing.failure).toMatchObject({ code: "invalid_template" });
    expect(missing.failure?.message).toBe("template directory not found: no-such-template");

    const gone = `file://${await tempDir("co-inspect-gone-")}/nothing.git`;
    const unreachable = await inspect({ url: gone, version: ">=1" });
    expect(unreachable.status).toBe("failed");
    expect(unreachable.failure?.code).toBe("invalid_template");
    expect(unreachable.failure?.message).toContain(`cannot fetch the template from ${gone}`);
  });
});
