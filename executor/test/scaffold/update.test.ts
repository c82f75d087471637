/**
 * `update`: a project rendered from v1 of a template, changed by its owner and committed, updated
 * to v2 as Copier updates it: the owner's change and the template's merge where they do not
 * touch the same lines, conflict markers (or a `.rej`) where they do, files the template removed
 * go when untouched, new files come, the answers file records v2; a dirty project is refused.
 * Real git, local repositories only.
 */
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { type UpdateOptions, updateProject } from "../../src/scaffold/update.ts";
import { GIT_ENV, git, readTree, removeTempDirs, scaffoldFrom, tempDir, writeTree } from "./support.ts";

afterAll(removeTempDirs);

const V1 = {
  "copier.yml": "name:\n  type: str\n  default: app\n",
  "README.md.jinja": "# {{ name }}\n\nline a\nline b\nline c\n",
  "config.txt": "port=8000\nmode=dev\n",
  "old-only.txt": "the template drops this in v2\n",
};
const V2 = {
  "README.md.jinja": "# {{ name }}\n\nline a\nline b\nline c, as v2 has it\n",
  "config.txt": "port=9000\nmode=dev\n",
  "added.txt.jinja": "new in v2 for {{ name }}\n",
};

/**
 * A template repository with v1 (`v1` on top of V1) and v2 (`v2` on top of V2) tagged, and a
 * project rendered from v1, committed.
 */
async function projectFromV1(v2: Record<string, string> = {}, v1: Record<string, string> = {}) {
  const template = await tempDir("co-template-");
  await git(["init", "--quiet", "--initial-branch=main"], template);
  await writeTree(template, { ...V1, ...v1 });
  await git(["add", "-A"], template);
  await git(["commit", "--quiet", "-m", "v1"], template);
  await git(["tag", "-a", "v1", "-m", "v1"], template);
  await rm(path.join(template, "old-only.txt"));
  await writeTree(template, { ...V2, ...v2 });
  await git(["add", "-A"], template);
  await git(["commit", "--quiet", "-m", "v2"], template);
  await git(["tag", "-a", "v2", "-m", "v2"], template);
  const project = path.join(await tempDir("co-project-"), "svc");
  const cacheDir = await tempDir("co-cache-");
  await scaffoldFrom({ path: template, ref: "v1" }, project, cacheDir, { data: { name: "svc" } });
  await git(["init", "--quiet", "--initial-branch=main"], project);
  await git(["add", "-A"], project);
  await git(["commit", "--quiet", "-m", "Scaffold"], project);
  return { template, project, cacheDir };
}

const update = (project: string, cacheDir: string, extra: Partial<UpdateOptions> = {}) =>
  updateProject({
    project,
    data: {},
    defaults: true,
    trust: false,
    taskEnv: GIT_ENV,
    cacheDir,
    log: () => {},
    ...extra,
  });

/** The owner's own changes: one beside the template's, one on the same line. */
async function ownerChanges(project: string) {
  await writeFile(path.join(project, "README.md"), "# svc\n\nline a, as the owner has it\nline b\nline c\n");
  await writeFile(path.join(project, "config.txt"), "port=8100\nmode=dev\n");
  await git(["commit", "--quiet", "-am", "Owner's changes"], project);
}

describe("update", () => {
  it("merges the template's v1 → v2 into the owner's project; conflicts get Copier's markers", async () => {
    const { project, cacheDir } = await projectFromV1();
    expect(await readFile(path.join(project, ".copier-answers.yml"), "utf8")).toContain("_commit: v1\n");
    await ownerChanges(project);
    const report = await update(project, cacheDir);
    expect(report).toMatchObject({
      from: "v1",
      to: "v2",
      merged: expect.arrayContaining(["README.md", ".copier-answers.yml"]),
      added: ["added.txt"],
      removed: ["old-only.txt"],
      conflicts: ["config.txt"],
    });
    const tree = await readTree(project);
    expect(tree["README.md"]).toBe("# svc\n\nline a, as the owner has it\nline b\nline c, as v2 has it\n");
    expect(tree["config.txt"]).toBe(
      "<<<<<<< before updating\nport=8100\n=======\nport=9000\n>>>>>>> after updating\nmode=dev\n",
    );
    expect(tree["added.txt"]).toBe("new in v2 for svc\n");
    expect(tree["old-only.txt"]).toBeUndefined();
    expect(tree[".copier-answers.yml"]).toContain("_commit: v2\n");
    expect(tree[".copier-answers.yml"]).toContain("name: svc\n");
  });

  it("conflict: rej keeps the owner's file and writes the template's change beside it", async () => {
    const { project, cacheDir } = await projectFromV1();
    await ownerChanges(project);
    const report = await update(project, cacheDir, { conflict: "rej" });
    expect(report.conflicts).toEqual(["config.txt"]);
    const tree = await readTree(project);
    expect(tree["config.txt"]).toBe("port=8100\nmode=dev\n");
    expect(tree["config.txt.rej"]).toContain("-port=8000\n+port=9000\n");
  });

  it("refuses a project with uncommitted changes, changing nothing", async () => {
    const { project, cacheDir } = await projectFromV1();
    await writeFile(path.join(project, "config.txt"), "port=1\n");
    await expect(update(project, cacheDir)).rejects.toMatchObject({
      code: "destination_error",
      message: expect.stringContaining("uncommitted changes"),
    });
    expect(await readFile(path.join(project, ".copier-answers.yml"), "utf8")).toContain("_commit: v1\n");
    expect(await readFile(path.join(project, "config.txt"), "utf8")).toBe("port=1\n");
  });

  it("orchestrator scaffold update: the same from the command line, --json, and its usage errors", async () => {
    const { project } = await projectFromV1();
    await ownerChanges(project);
    const cli = path.resolve(import.meta.dirname, "../../src/cli.ts");
    const run = async (...args: string[]) => {
      try {
        const out = await promisify(execFile)(process.execPath, [cli, "scaffold", "update", ...args], {
          env: { ...GIT_ENV, XDG_CACHE_HOME: await tempDir("co-xdg-") },
        });
        return { code: 0, ...out };
      } catch (error) {
        return error as { code: number; stdout: string; stderr: string };
      }
    };
    const updated = await run(project, "--json", "-q");
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ from: "v1", to: "v2", conflicts: ["config.txt"] });
    expect(await git(["status", "--porcelain"], project)).toContain("config.txt");
    const bad = await run(project, "--conflict", "both");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--conflict must be inline or rej");
  });

  it("runs the _migrations the update passes through, before and after the merge, then _tasks; only with trust", async () => {
    const copierYml = [
      V1["copier.yml"],
      "_migrations:",
      "  - version: v2",
      "    command: [sh, -c, 'echo \"$STAGE $VERSION_FROM $VERSION_TO $VERSION_CURRENT\" >> migrations.log']",
      "    when: '{{ true }}'",
      "  - version: v3",
      "    command: [touch, never-v3]",
      "  - version: v1",
      "    command: [touch, never-v1]",
      '  - "echo every update, after: {{ _version_pep440_to }} {{ name }} >> migrations.log"',
      "_tasks:",
      "  - 'echo task {{ _copier_operation }} >> tasks.log'",
      "_message_after_update: 'Updated {{ name }} to {{ _copier_answers._commit }}'",
      "",
    ].join("\n");
    const { project, cacheDir } = await projectFromV1({ "copier.yml": copierYml });
    await expect(update(project, cacheDir)).rejects.toMatchObject({
      code: "unsafe_template",
      message: expect.stringContaining("migrations, tasks"),
    });
    expect(await git(["status", "--porcelain"], project)).toBe("");
    const report = await update(project, cacheDir, { trust: true });
    const tree = await readTree(project);
    expect(tree["migrations.log"]).toBe("before v1 v2 v2\nafter v1 v2 v2\nevery update, after: 2 svc\n");
    expect(tree["tasks.log"]).toBe("task update\n");
    expect(tree["never-v1"]).toBeUndefined();
    expect(tree["never-v3"]).toBeUndefined();
    expect(report.messages).toEqual(["Updated svc to v2"]);
  });

  describe("renders of the old version only what can differ (the rest is taken from the new render)", () => {
    /** Files v2 leaves as they are; what the project must have of them after the update is below. */
    const UNCHANGED = {
      "plain.txt.jinja": "plain for {{ name }}\n",
      "commit.txt.jinja": "rendered from {{ _commit }}\n",
      "page.txt.jinja": "page\n{% include 'partials/footer.jinja' %}\n",
      "partials/footer.jinja": "footer of {{ name }}, {% include 'partials/sign.txt' %}",
      // Not a template itself (no suffix), but rendered where it is included.
      "partials/sign.txt": "signed at {{ _commit }}, {% include 'partials/note.txt' %}",
      "partials/note.txt": "note v1",
    };

    it("follows _commit and a changed include (included in turn) into files v2 did not change", async () => {
      const { project, cacheDir } = await projectFromV1({ "partials/note.txt": "note v2" }, UNCHANGED);
      const report = await update(project, cacheDir);
      expect(report.merged).toEqual(expect.arrayContaining(["commit.txt", "page.txt"]));
      expect(report.merged).not.toContain("plain.txt");
      const tree = await readTree(project);
      expect(tree["commit.txt"]).toBe("rendered from v2\n");
      expect(tree["page.txt"]).toBe("page\nfooter of svc, signed at v2, note v2\n");
      expect(tree["plain.txt"]).toBe("plain for svc\n");
    });

    it("renders it whole when the answers differ (new data, a new question's default, a value computed from _commit) or a path changes hands", async () => {
      // -d name=api on the update: the same copier.yml, other answers.
      const renamed = await projectFromV1({}, UNCHANGED);
      await update(renamed.project, renamed.cacheDir, { data: { name: "api" } });
      expect((await readTree(renamed.project))["plain.txt"]).toBe("plain for api\n");

      // v2's copier.yml asks one more question, whose default an unchanged file renders.
      const asked = await projectFromV1(
        { "copier.yml": `${V1["copier.yml"]}greeting:\n  type: str\n  default: hello\n` },
        { "greeting.txt.jinja": "{{ greeting | default('hi') }} {{ name }}\n" },
      );
      const report = await update(asked.project, asked.cacheDir);
      expect(report.merged).toContain("greeting.txt");
      expect((await readTree(asked.project))["greeting.txt"]).toBe("hello svc\n");

      // The same copier.yml in both, with a value computed from _commit, which an unchanged file renders.
      const computed = `${V1["copier.yml"]}release:\n  type: str\n  default: "{{ _commit }}"\n  when: false\n`;
      const versioned = await projectFromV1(
        {},
        { "copier.yml": computed, "release.txt.jinja": "release {{ release }}\n" },
      );
      await update(versioned.project, versioned.cacheDir);
      expect((await readTree(versioned.project))["release.txt"]).toBe("release v2\n");

      // v2 adds a template beside a plain file the old render copied: it takes its path.
      const twin = await projectFromV1(
        { "notes.txt.jinja": "notes of {{ name }}\n" },
        { "notes.txt": "notes\n" },
      );
      await update(twin.project, twin.cacheDir);
      expect((await readTree(twin.project))["notes.txt"]).toBe("notes of svc\n");
    });
  });
});
