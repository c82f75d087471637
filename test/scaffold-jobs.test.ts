/**
 * `copier` and `git` jobs end to end: a real Worker under `wrangler dev`, a real executor daemon
 * (the built bundle, templates from the repository's `templates/`), and bare git repositories in a
 * temp dir as the remotes. Everything stays on 127.0.0.1 and the local file system.
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CopierResult, CopierUpdateResult, GitResult } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Fleet, finished, type Job } from "./support/fleet.ts";
import { git } from "./support/template-git.ts";

const AUTHOR = { name: "Ada Scaffold", email: "ada@example.test" };

// The test's own git runs: no user or system config, a fixed identity.
let fleet: Fleet;
let dir: string;
const labels = { lane: randomUUID().slice(0, 8) };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "co-scaffold-jobs-"));
  fleet = await Fleet.start();
  await fleet.executor(2, labels);
});
afterAll(async () => {
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function submit(kind: "copier" | "git", spec: unknown): Promise<Job> {
  return fleet.call<Job>("/jobs", { kind, spec, labels });
}

/** Submits a job and waits (bounded) for it to finish. */
async function completed(kind: "copier" | "git", spec: unknown): Promise<Job> {
  const job = await submit(kind, spec);
  return fleet.waitFor(job.id, finished, 60_000);
}

describe("scaffold jobs through the executor fleet", () => {
  // Made by the first test, built on by the second.
  let service: string;
  let scaffoldCommit: string;

  it("a copier job renders node-service and publishes it as the first commit of a bare repo", async () => {
    service = path.join(dir, "service.git");
    await git(["init", "--quiet", "--bare", "--initial-branch=main", service]);

    const done = await completed("copier", {
      template: { path: "node-service" },
      data: { project_name: "e2e-api", modules: ["database"] },
      publish: { url: service, branch: "main", author: AUTHOR },
    });
    expect(done, JSON.stringify(done.error)).toMatchObject({ status: "succeeded", error: null });
    const output = done.output as unknown as CopierResult;

    expect(output.engine).toBe("builtin");
    expect(output.files).toContain("src/db.js");
    expect(output.files).toContain("test/db.test.js");
    expect(output.files).toContain(".copier-answers.yml");
    expect(output.files).not.toContain("src/bot.js");
    expect(output.files).not.toContain("test/bot.test.js");
    expect(output.templateCommit).toBeNull();
    expect(output.answers).toMatchObject({ project_name: "e2e-api", modules: ["database"], port: 8000 });
    expect(output.answers).not.toHaveProperty("session_secret");
    expect(output.messages.join("\n")).toContain("e2e-api is ready");

    scaffoldCommit = await git(["--git-dir", service, "rev-parse", "main"]);
    expect(output.published).toEqual({ url: service, branch: "main", commit: scaffoldCommit });
    const pkg = JSON.parse(await git(["--git-dir", service, "show", "main:package.json"]));
    expect(pkg.name).toBe("e2e-api");
    expect(await git(["--git-dir", service, "log", "-1", "--format=%an <%ae>", "main"])).toBe(
      `${AUTHOR.name} <${AUTHOR.email}>`,
    );
    // The first commit: no parent, and the published tree is the rendered one.
    expect(await git(["--git-dir", service, "rev-list", "--count", "main"])).toBe("1");
    const tree = (await git(["--git-dir", service, "ls-tree", "-r", "--name-only", "main"])).split("\n");
    expect(tree.sort()).toEqual([...output.files].sort());

    const log = await fleet.log(done.id);
    expect(log).toMatch(/create {2}src\/db\.js\n/);
    expect(log).toMatch(/create {2}\.copier-answers\.yml\n/);
    expect(log).not.toContain("src/bot.js");
  });

  it("a git job clones the repo, commits on a new branch and pushes it", async () => {
    expect(scaffoldCommit).toMatch(/^[0-9a-f]{40}$/);
    const done = await completed("git", {
      steps: [
        { op: "clone", url: service, ref: "main" },
        { op: "checkout", ref: "feature/readme", create: true },
        { op: "commit", message: "Start the README work", author: AUTHOR, allowEmpty: true },
        { op: "push", branch: "feature/readme" },
      ],
    });
    expect(done, JSON.stringify(done.error)).toMatchObject({ status: "succeeded", error: null });
    const output = done.output as unknown as GitResult;

    const feature = await git(["--git-dir", service, "rev-parse", "feature/readme"]);
    expect(feature).not.toBe(scaffoldCommit);
    expect(await git(["--git-dir", service, "rev-parse", "feature/readme^"])).toBe(scaffoldCommit);
    expect(await git(["--git-dir", service, "log", "-1", "--format=%an <%ae>|%s", "feature/readme"])).toBe(
      `${AUTHOR.name} <${AUTHOR.email}>|Start the README work`,
    );
    // main is where it was.
    expect(await git(["--git-dir", service, "rev-parse", "main"])).toBe(scaffoldCommit);

    expect(output.head).toBe(feature);
    expect(output.branch).toBe("feature/readme");
    expect(output.steps.map((step) => [step.op, step.commit])).toEqual([
      ["clone", scaffoldCommit],
      ["checkout", scaffoldCommit],
      ["commit", feature],
      ["push", expect.anything()],
    ]);
  });

  it("a copier job takes its template from a git URL at a tag", async () => {
    const work = path.join(dir, "template-work");
    const remote = path.join(dir, "template.git");
    await mkdir(work);
    await git(["init", "--quiet", "--initial-branch=main"], work);
    await writeFile(
      path.join(work, "copier.yml"),
      [
        "name:",
        "  type: str",
        "  help: What to call the file",
        '  validator: "{% if name | length < 1 %}must not be empty{% endif %}"',
        "",
      ].join("\n"),
    );
    await writeFile(path.join(work, "{{ name }}.txt.jinja"), "hello from {{ name }}\n");
    await git(["add", "-A"], work);
    await git(["commit", "--quiet", "-m", "A tiny template"], work);
    await git(["tag", "-a", "v1", "-m", "Version 1"], work);
    const tagged = await git(["rev-parse", "v1^{commit}"], work);
    // A later commit on main: the job must render v1, not the branch tip.
    await git(["mv", "{{ name }}.txt.jinja", "{{ name }}-v2.txt.jinja"], work);
    await git(["commit", "--quiet", "-m", "Version 2"], work);
    await git(["init", "--quiet", "--bare", "--initial-branch=main", remote]);
    await git(["push", "--quiet", "--follow-tags", remote, "main"], work);
    expect(await git(["--git-dir", remote, "rev-parse", "v1^{commit}"])).toBe(tagged);

    const url = `file://${remote}`;
    const done = await completed("copier", {
      template: { url, ref: "v1" },
      data: { name: "x" },
      // The template has no answers file of its own: asked for, the job writes one anyway.
      recordAnswers: true,
    });
    expect(done, JSON.stringify(done.error)).toMatchObject({ status: "succeeded", error: null });
    const output = done.output as unknown as CopierResult;

    expect(output.templateCommit).toBe(tagged);
    expect(output.answers).toEqual({ _commit: "v1", _src_path: url, name: "x" });
    expect(output.files).toEqual([".copier-answers.yml", "x.txt"]);
    expect(output.published).toBeNull();
    expect(await fleet.log(done.id)).toContain(`fetching template ${url} at v1`);
  });

  it("a copier job with invalid answers fails, naming every question at fault", async () => {
    const done = await completed("copier", {
      template: { path: "node-service" },
      data: { project_name: "Bad Name", port: 1 },
    });
    expect(done.status).toBe("failed");
    expect(done.attempt).toBe(1);
    expect(done.error).toMatch(/^invalid_answers: /);
    expect(done.error).toContain("project_name: ");
    expect(done.error).toContain("port: ");
    // The structured failure reaches the API as the job's output.
    expect(done.output).toMatchObject({
      error: { code: "invalid_answers", questions: [{ question: "project_name" }, { question: "port" }] },
    });
  });

  it("a copier job in update mode merges the template's next release and pushes it as a branch", async () => {
    // A template with v1 and v2, in a bare remote.
    const work = path.join(dir, "upd-template");
    await mkdir(work);
    await git(["init", "--quiet", "--initial-branch=main"], work);
    await writeFile(path.join(work, "copier.yml"), "name:\n  type: str\n  default: app\n");
    await writeFile(path.join(work, "README.md.jinja"), "# {{ name }}\nline a\nline b\nline c\n");
    await git(["add", "-A"], work);
    await git(["commit", "--quiet", "-m", "v1"], work);
    await git(["tag", "-a", "v1", "-m", "v1"], work);
    await writeFile(
      path.join(work, "README.md.jinja"),
      "# {{ name }}\nline a\nline b\nline c, as v2 has it\n",
    );
    await writeFile(path.join(work, "new.txt.jinja"), "new in v2 for {{ name }}\n");
    await git(["add", "-A"], work);
    await git(["commit", "--quiet", "-m", "v2"], work);
    await git(["tag", "-a", "v2", "-m", "v2"], work);
    const remote = path.join(dir, "upd-template.git");
    await git(["init", "--quiet", "--bare", "--initial-branch=main", remote]);
    await git(["push", "--quiet", "--follow-tags", remote, "main"], work);
    const url = `file://${remote}`;

    // The project, rendered at v1 and published; its owner then changes another line.
    const project = path.join(dir, "upd-project.git");
    await git(["init", "--quiet", "--bare", "--initial-branch=main", project]);
    const made = await completed("copier", {
      template: { url, ref: "v1" },
      data: { name: "svc" },
      recordAnswers: true,
      publish: { url: project, branch: "main", author: AUTHOR },
    });
    expect(made, JSON.stringify(made.error)).toMatchObject({ status: "succeeded" });
    const clone = path.join(dir, "upd-clone");
    await git(["clone", "--quiet", project, clone]);
    await writeFile(path.join(clone, "README.md"), "# svc\nline a, as the owner has it\nline b\nline c\n");
    await git(["commit", "--quiet", "-am", "Owner's change"], clone);
    await git(["push", "--quiet", "origin", "main"], clone);

    const done = await completed("copier", {
      update: true,
      project: { url: project, branch: "main" },
      publish: { branch: "template-update", author: AUTHOR },
    });
    expect(done, JSON.stringify(done.error)).toMatchObject({ status: "succeeded", error: null });
    const output = done.output as unknown as CopierUpdateResult;
    expect(output).toMatchObject({ from: "v1", to: "v2", added: ["new.txt"], removed: [], conflicts: [] });
    expect(output.merged).toEqual([".copier-answers.yml", "README.md"]);
    expect(output.published).toMatchObject({ url: project, branch: "template-update" });
    const show = (what: string) => git(["--git-dir", project, "show", what]);
    expect(await show("template-update:README.md")).toBe(
      "# svc\nline a, as the owner has it\nline b\nline c, as v2 has it",
    );
    expect(await show("template-update:new.txt")).toBe("new in v2 for svc");
    expect(await show("template-update:.copier-answers.yml")).toContain("_commit: v2");
    expect(await git(["--git-dir", project, "rev-parse", "template-update"])).toBe(output.published?.commit);
    // main is the owner's until the branch is merged.
    expect(await show("main:README.md")).toBe("# svc\nline a, as the owner has it\nline b\nline c");
  });
});
