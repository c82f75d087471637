import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RunScaffoldOptions, ScaffoldSource } from "../../src/scaffold/run.ts";
import { newestRelease } from "../../src/scaffold/versions.ts";
import { git, readTree, removeTempDirs, scaffoldFrom, tempDir, writeTree } from "./support.ts";

afterAll(removeTempDirs);

/** A template repository whose file says which version it is; tagged as `tags` says, in order. */
async function templateRepo(versions: { tag?: string; says: string }[]): Promise<string> {
  const work = await tempDir("co-template-repo-");
  await git(["init", "--quiet", "--initial-branch=main"], work);
  await writeTree(work, { "copier.yml": "name:\n  type: str\n  default: app\n" });
  for (const { tag, says } of versions) {
    await writeFile(path.join(work, "version.txt.jinja"), `${says} for {{ name }}\n`);
    await git(["add", "-A"], work);
    await git(["commit", "--quiet", "-m", says], work);
    if (tag) await git(["tag", "-a", tag, "-m", tag], work);
  }
  return work;
}

async function renderFrom(source: ScaffoldSource, extra: Partial<RunScaffoldOptions> = {}) {
  const destination = path.join(await tempDir("co-dest-"), "project");
  const cacheDir = await tempDir("co-cache-");
  let log = "";
  const report = await scaffoldFrom(source, destination, cacheDir, {
    log: (_stream, chunk) => {
      log += chunk;
    },
    ...extra,
  });
  const tree = await readTree(destination);
  return { report, tree, log, cacheDir };
}

const RELEASES = [
  { tag: "v1.0.0", says: "one" },
  { tag: "v1.1.0", says: "one-one" },
  { tag: "v2.0.0rc1", says: "two-rc" },
  { tag: "nightly", says: "nightly" },
  { says: "unreleased" },
];

describe("git templates as Copier takes them", () => {
  it("picks the newest PEP 440 tag: pre-releases and non-versions left out unless asked", () => {
    const tags = ["v1.0.0", "v1.1.0", "v2.0.0rc1", "nightly", "1.1"];
    expect(newestRelease(tags)).toBe("v1.1.0");
    expect(newestRelease(tags, true)).toBe("v2.0.0rc1");
    expect(newestRelease(["nightly", "latest"])).toBeNull();
  });

  it("a remote repository renders at its latest release, recorded as _commit; --prereleases, a ref", async () => {
    const url = `file://${await templateRepo(RELEASES)}`;
    const latest = await renderFrom({ url });
    expect(latest.tree["version.txt"]).toBe("one-one for app\n");
    expect(latest.report.templateRef).toBe("v1.1.0");
    expect(latest.report.answers._commit).toBe("v1.1.0");
    expect(latest.tree[".copier-answers.yml"]).toContain("_commit: v1.1.0\n");
    const pre = await renderFrom({ url, prereleases: true });
    expect(pre.tree["version.txt"]).toBe("two-rc for app\n");
    expect(pre.report.answers._commit).toBe("v2.0.0rc1");
    const head = await renderFrom({ url, ref: "main" });
    expect(head.tree["version.txt"]).toBe("unreleased for app\n");
    expect(head.report.answers._commit).toMatch(/^nightly-1-g[0-9a-f]{7,}$/);
  });

  it("a repository without a version tag renders HEAD, saying so", async () => {
    const url = `file://${await templateRepo([{ tag: "nightly", says: "first" }, { says: "second" }])}`;
    const { tree, log, report } = await renderFrom({ url });
    expect(tree["version.txt"]).toBe("second for app\n");
    expect(log).toContain("No git tags found in template; using HEAD as ref");
    expect(report.templateRef).toBeNull();
  });

  it("a local work tree renders through git: its latest release, not the files on disk", async () => {
    const dir = await templateRepo(RELEASES);
    const { tree, report, log, cacheDir } = await renderFrom({ path: dir });
    expect(tree["version.txt"]).toBe("one-one for app\n");
    expect(report.answers._commit).toBe("v1.1.0");
    expect(report.templateCommit).toBe(await git(["rev-parse", "v1.1.0^{commit}"], dir));
    expect(log).toContain("through git");
    // The clone made for the render is gone.
    expect((await readdir(cacheDir)).filter((name) => name.startsWith(".local-"))).toEqual([]);
  });

  it("a dirty local work tree at HEAD renders its uncommitted changes, with a warning", async () => {
    const dir = await templateRepo(RELEASES);
    await writeFile(path.join(dir, "version.txt.jinja"), "draft for {{ name }}\n");
    await writeFile(path.join(dir, "new.txt.jinja"), "untracked {{ name }}\n");
    const { tree, report, log } = await renderFrom({ path: dir, ref: "HEAD" });
    expect(tree["version.txt"]).toBe("draft for app\n");
    expect(tree["new.txt"]).toBe("untracked app\n");
    expect(log).toContain("dirty template changes included");
    expect(report.answers._commit).toMatch(/^nightly-2-g[0-9a-f]{7,}$/);
    // The template's own repository is left as it was: nothing committed, the changes still there.
    expect(await git(["rev-list", "--count", "HEAD"], dir)).toBe("5");
    expect(await git(["status", "--porcelain"], dir)).toContain("version.txt.jinja");
    // Without a ref, the latest release wins over the draft, as in Copier.
    expect((await renderFrom({ path: dir })).tree["version.txt"]).toBe("one-one for app\n");
  });

  it("a ref for a directory that is not a git work tree is refused", async () => {
    const plain = await writeTree(await tempDir("co-plain-"), { "copier.yml": "n: 1\n" });
    await expect(renderFrom({ path: plain, ref: "v1" })).rejects.toMatchObject({
      code: "invalid_template",
      message: expect.stringContaining("needs a git template"),
    });
  });
});
