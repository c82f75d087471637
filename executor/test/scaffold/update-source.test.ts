/**
 * The two versions of a template an update compares: the old one, made from a checkout of the new
 * one (old-tree.ts), is entry for entry (content, mode, link, directory) what a checkout of the
 * old version writes; where it cannot be made so (a `.gitattributes` changed), it is checked out.
 */
import { lstat, readdir, readFile, readlink, rm, symlink } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkOutTemplate } from "../../src/scaffold/update-source.ts";
import { type FileSpec, git, removeTempDirs, tempDir, writeTree } from "./support.ts";

afterAll(removeTempDirs);

/** Every entry under `root` but `.git`: a directory, a link and its target, or a file's mode and text. */
async function entries(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    const relative = path.relative(root, file);
    if (relative === ".git" || relative.startsWith(`.git${path.sep}`)) continue;
    if (entry.isSymbolicLink()) out[relative] = `link → ${await readlink(file)}`;
    else if (entry.isDirectory()) out[relative] = "directory";
    else out[relative] = `${((await lstat(file)).mode & 0o777).toString(8)} ${await readFile(file, "utf8")}`;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A repository with v1 and v2 tagged; `v2` changes v1's files (null removes one) and runs `also`. */
async function versions(
  v1: Record<string, FileSpec>,
  v2: Record<string, FileSpec | null>,
  also?: (repo: string) => Promise<void>,
) {
  const repo = await tempDir("co-template-");
  await git(["init", "--quiet", "--initial-branch=main"], repo);
  await writeTree(repo, v1);
  await also?.(repo);
  await git(["add", "-A"], repo);
  await git(["commit", "--quiet", "-m", "v1"], repo);
  await git(["tag", "v1"], repo);
  for (const [name, spec] of Object.entries(v2)) {
    await rm(path.join(repo, name), { recursive: true, force: true });
    if (spec !== null) await writeTree(repo, { [name]: spec });
  }
  await git(["add", "-A"], repo);
  await git(["commit", "--quiet", "-m", "v2"], repo);
  await git(["tag", "v2"], repo);
  // What a checkout of v1 writes (a fresh one: switching from v2 would keep the files both share).
  const reference = path.join(await tempDir("co-reference-"), "v1");
  await git(["clone", "--quiet", "--branch", "v1", repo, reference], repo);
  const checkedOut = await checkOutTemplate({
    srcPath: repo,
    from: "v1",
    to: "v2",
    scratch: await tempDir(),
  });
  return { repo, reference, checkedOut };
}

describe("checkOutTemplate", () => {
  it("makes the old version from the new one as a checkout of it writes it", async () => {
    const { reference, checkedOut } = await versions(
      {
        "same.txt": "same\n",
        "changed.txt": "v1\n",
        "gone.txt": "only in v1\n",
        "dir/deep/kept.txt": "kept\n",
        "was-file": "a file in v1\n",
        "was-dir/inside.txt": "in a directory in v1\n",
        "mode.sh": { content: "echo\n", mode: 0o644 },
        "only-v1/x.txt": "x\n",
      },
      {
        "changed.txt": "v2\n",
        "gone.txt": null,
        "was-file": null,
        "was-file/inside.txt": "in a directory in v2\n",
        "was-dir": "a file in v2\n",
        "mode.sh": { content: "echo\n", mode: 0o755 },
        "only-v1": null,
        "new/deeper/added.txt": "added\n",
        "dir/added.txt": "added\n",
        link: "a file where v1 had a link\n",
      },
      (repo) => symlink("same.txt", path.join(repo, "link")),
    );
    expect(checkedOut.changed.sort()).toEqual(
      [
        "changed.txt",
        "dir/added.txt",
        "gone.txt",
        "link",
        "mode.sh",
        "new/deeper/added.txt",
        "only-v1/x.txt",
        "was-dir",
        "was-dir/inside.txt",
        "was-file",
        "was-file/inside.txt",
      ].sort(),
    );
    const old = await checkedOut.old();
    expect(old).toMatchObject({ describe: "v1", ref: "v1" });
    expect(checkedOut.new).toMatchObject({ describe: "v2", ref: "v2" });
    expect(await entries(old.root)).toEqual(await entries(reference));
    // The new version stays as it was checked out: the old one's files are its own, not its links.
    expect(await readFile(path.join(checkedOut.new.root, "changed.txt"), "utf8")).toBe("v2\n");
    expect((await lstat(path.join(checkedOut.new.root, "mode.sh"))).mode & 0o777).toBe(0o755);
  });

  it("checks the old version out when a .gitattributes changed (it decides how unchanged files are written)", async () => {
    const { reference, checkedOut } = await versions(
      { ".gitattributes": "*.txt eol=crlf\n", "same.txt": "a\nb\n" },
      { ".gitattributes": null },
    );
    const old = await checkedOut.old();
    expect(await readFile(path.join(old.root, "same.txt"), "utf8")).toBe("a\r\nb\r\n");
    expect(await entries(old.root)).toEqual(await entries(reference));
  });

  it("names a ref the repository does not have (recorded or asked for)", async () => {
    const { repo } = await versions({ "a.txt": "a\n" }, { "a.txt": "b\n" });
    for (const [from, to] of [
      ["v9", "v2"],
      ["v1", "--orphan=x"],
    ] as const) {
      await expect(
        checkOutTemplate({ srcPath: repo, from, to, scratch: await tempDir() }),
      ).rejects.toMatchObject({
        code: "invalid_template",
        message: expect.stringContaining(`has no ${from === "v9" ? from : to}`),
      });
    }
  });
});
