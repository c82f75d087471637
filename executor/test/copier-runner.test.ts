/**
 * The `copier` job kind: templates from the executor's templates directory or from git (cached
 * per commit), publish to a remote, failures as job errors, cancel.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  CopierJobSpec,
  CopierOutput,
  CopierResult,
  CopierSpec,
  CopierUpdateResult,
} from "@codegen-orchestrator/shared";
import { afterAll, describe, expect, it } from "vitest";
import type { RunContext } from "../src/jobs/runner.ts";
import { runCopier } from "../src/kinds/copier/runner.ts";
import { writeTree } from "./scaffold/support.ts";
import { bareRepo, fixtureGit, removeTempDirs, revParse, tempDir } from "./support/git-fixtures.ts";
import { runContext } from "./support/run-context.ts";

afterAll(removeTempDirs);

const author = { name: "Ada Lovelace", email: "ada@example.test" };

async function run(spec: unknown, overrides: Partial<RunContext> = {}) {
  const test = await runContext({ workdir: await tempDir("co-copier-job-"), ...overrides });
  const outcome = await runCopier(CopierSpec.parse(spec), test.ctx);
  const output = outcome.status === "succeeded" ? CopierResult.parse(outcome.output) : null;
  return { ...outcome, output, rawOutput: outcome.output, text: test.text, ctx: test.ctx };
}

/** A bare repo holding a small Copier template, tagged v1. */
async function templateRepo() {
  const root = await tempDir("co-template-repo-");
  const repo = await bareRepo(root, "tpl", 0);
  const work = await writeTree(await tempDir("co-template-work-"), {
    "copier.yml": 'name:\n  type: str\n  validator: "{% if not name %}required{% endif %}"\n',
    "{{ name }}.txt.jinja": "hello {{ name }}\n",
  });
  fixtureGit(work, "init", "--quiet", "--initial-branch=main");
  fixtureGit(work, "add", "--all");
  fixtureGit(work, "commit", "--quiet", "-m", "template");
  fixtureGit(work, "tag", "-a", "v1", "-m", "v1");
  fixtureGit(work, "push", "--quiet", repo.path, "main", "v1");
  return { ...repo, commit: fixtureGit(work, "rev-parse", "HEAD") };
}

describe("copier runner", () => {
  it("renders a template named relative to the templates directory", async () => {
    const result = await run({ template: { path: "node-service" }, data: { project_name: "job-api" } });
    expect(result.status).toBe("succeeded");
    expect(result.output?.engine).toBe("builtin");
    expect(result.output?.files).toContain("src/server.js");
    expect(result.output?.answers).toMatchObject({
      project_name: "job-api",
      _src_path: "node-service",
    });
    expect(result.text("system")).toContain("create  src/server.js");
  });

  it("clones a git template at a tag once per commit, records _commit, and reuses the cache", async () => {
    const repo = await templateRepo();
    const cacheDir = await tempDir("co-cache-");
    const first = await run(
      { template: { url: repo.url, ref: "v1" }, data: { name: "one" }, recordAnswers: true },
      { cacheDir },
    );
    expect(first.status).toBe("succeeded");
    expect(first.output?.templateCommit).toBe(repo.commit);
    expect(first.output?.answers).toEqual({ _commit: "v1", _src_path: repo.url, name: "one" });
    expect(first.output?.files).toEqual([".copier-answers.yml", "one.txt"]);
    expect(first.text("system")).toMatch(/git clone/);

    const second = await run(
      { template: { url: repo.url, ref: "main" }, data: { name: "two" } },
      { cacheDir },
    );
    expect(second.status).toBe("succeeded");
    expect(second.text("system")).not.toMatch(/git clone/);
    expect(await readdir(path.join(cacheDir, "copier", "templates"))).toHaveLength(1);
  });

  it("publishes the scaffold as the first commit of a remote", async () => {
    const remote = await bareRepo(await tempDir("co-remote-"), "project", 0);
    const result = await run({
      template: { path: "node-service" },
      data: { project_name: "pub-api", modules: ["telegram"] },
      publish: { url: remote.path, branch: "main", message: "Scaffold pub-api", author },
    });
    expect(result.status).toBe("succeeded");
    expect(result.output?.published?.commit).toBe(revParse(remote.path, "main"));
    expect(fixtureGit(remote.path, "log", "-1", "--format=%an <%ae>|%s", "main")).toBe(
      `${author.name} <${author.email}>|Scaffold pub-api`,
    );
    expect(fixtureGit(remote.path, "ls-tree", "-r", "--name-only", "main").split("\n")).toContain(
      "src/bot.js",
    );
  });

  it("publishing again (a retried job) finds its commit; a branch with other content is refused", async () => {
    const remote = await bareRepo(await tempDir("co-remote-"), "again", 0);
    const spec = {
      template: { path: "node-service" },
      data: { project_name: "again-api" },
      publish: { url: remote.path, branch: "main", message: "Scaffold again-api", author },
    };
    const first = await run(spec);
    expect(first.status).toBe("succeeded");
    const retried = await run(spec);
    expect(retried.status, retried.error).toBe("succeeded");
    expect(retried.output?.published?.commit).toBe(first.output?.published?.commit);
    expect(fixtureGit(remote.path, "rev-list", "--count", "main")).toBe("1");

    const other = await run({ ...spec, data: { project_name: "other-api" } });
    expect(other.status).toBe("failed");
    expect(other.error).toContain("already has a main branch with other content");
    expect(revParse(remote.path, "main")).toBe(first.output?.published?.commit);
  });

  it("creates a local bare remote that is not there yet, when asked", async () => {
    const where = path.join(await tempDir("co-remotes-"), "team", "new-api.git");
    const url = pathToFileURL(where).href;
    const publish = { url, branch: "main", message: "Scaffold new-api", author };
    const refused = await run({
      template: { path: "node-service" },
      data: { project_name: "new-api" },
      publish,
    });
    expect(refused.status).toBe("failed");
    const created = await run({
      template: { path: "node-service" },
      data: { project_name: "new-api" },
      publish: { ...publish, create: true },
    });
    expect(created.status).toBe("succeeded");
    expect(created.output?.published?.commit).toBe(revParse(where, "main"));
    expect(fixtureGit(where, "rev-parse", "--is-bare-repository")).toBe("true");
  });

  it("fails with every invalid answer named, and for an untrusted template with tasks", async () => {
    const invalid = await run({
      template: { path: "node-service" },
      data: { project_name: "Bad Name", port: 1 },
    });
    expect(invalid.status).toBe("failed");
    expect(invalid.error).toMatch(/^invalid_answers: 2 invalid answers: project_name: .*; port: /);
    // The structured failure travels as the job's output.
    expect(CopierOutput.parse(invalid.rawOutput)).toEqual({
      error: {
        code: "invalid_answers",
        message: expect.any(String),
        questions: [
          { question: "project_name", message: expect.stringContaining("lowercase") },
          { question: "port", message: "use a port from 1024 to 65535" },
        ],
      },
    });

    const templatesDir = await writeTree(await tempDir("co-templates-"), {
      "tasks/copier.yml": "_tasks: ['touch x']\n",
    });
    const untrusted = await run({ template: { path: "tasks" } }, { templatesDir });
    expect(untrusted.status).toBe("failed");
    expect(untrusted.error).toMatch(/^unsafe_template:/);
    const trusted = await run({ template: { path: "tasks" }, trust: true }, { templatesDir });
    expect(trusted.status).toBe("succeeded");
  });

  it("a missing credentials secret, a missing template and the copier engine without copier fail clearly", async () => {
    const noSecret = await run({
      template: { url: "https://example.invalid/t.git", credentials: { passwordSecret: "GIT_TOKEN" } },
    });
    expect(noSecret.error).toContain("no secret named GIT_TOKEN");
    const missing = await run({ template: { path: "no-such-template" } });
    expect(missing.error).toMatch(/template directory not found/);
    const engine = await run({ template: { path: "node-service" }, engine: "copier" }, {});
    if (engine.status === "failed") expect(engine.error).toMatch(/^engine_unavailable: .*copier/);
  });

  it("cancel stops a running task and reports cancelled", async () => {
    const templatesDir = await writeTree(await tempDir("co-templates-"), {
      "slow/copier.yml": "_tasks: ['sleep 30']\n",
    });
    const controller = new AbortController();
    const pending = run(
      { template: { path: "slow" }, trust: true },
      { templatesDir, signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 300);
    const result = await pending;
    expect(result.status).toBe("cancelled");
  });

  it("update mode: clones the project, merges the template's next release, pushes it as a branch", async () => {
    const template = await templateRepo();
    const work = await tempDir("co-template-next-");
    fixtureGit(work, "clone", "--quiet", template.path, ".");
    await writeTree(work, {
      "{{ name }}.txt.jinja": "hello {{ name }}, from v2\n",
      "extra.txt": "v2 only\n",
    });
    fixtureGit(work, "add", "--all");
    fixtureGit(work, "commit", "--quiet", "-m", "v2");
    fixtureGit(work, "tag", "-a", "v2", "-m", "v2");
    fixtureGit(work, "push", "--quiet", "origin", "main", "v2");
    const project = await bareRepo(await tempDir("co-project-"), "project", 0);
    const made = await run({
      template: { url: template.url, ref: "v1" },
      data: { name: "one" },
      recordAnswers: true,
      publish: { url: project.url, branch: "main", author },
    });
    expect(made.status).toBe("succeeded");
    const test = await runContext({ workdir: await tempDir("co-copier-update-") });
    const spec = CopierJobSpec.parse({
      update: true,
      project: { url: project.url },
      publish: { branch: "template-v2", author },
    });
    const outcome = await runCopier(spec, test.ctx);
    expect(outcome.status, test.text("system")).toBe("succeeded");
    const output = CopierUpdateResult.parse(outcome.output);
    expect(output).toMatchObject({ from: "v1", to: "v2", added: ["extra.txt"], conflicts: [] });
    expect(output.merged).toEqual([".copier-answers.yml", "one.txt"]);
    expect(fixtureGit(project.path, "show", "template-v2:one.txt")).toBe("hello one, from v2");
    expect(output.published?.commit).toBe(revParse(project.path, "template-v2"));
    // The update job's git directory was beside the workdir, and is gone.
    expect((await readdir(path.dirname(test.ctx.workdir))).filter((name) => name.includes(".git-"))).toEqual(
      [],
    );
    // Again: nothing to push twice (the branch holds the same files), the same commit.
    const again = await runCopier(
      spec,
      (await runContext({ workdir: await tempDir("co-copier-update-") })).ctx,
    );
    expect(again.status).toBe("succeeded");
    expect(CopierUpdateResult.parse(again.output).published?.commit).toBe(output.published?.commit);
  });
});
