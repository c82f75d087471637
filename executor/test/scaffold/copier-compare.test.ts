/**
 * The same templates rendered by Python Copier and by the built-in engine must give the same
 * trees. Runs where `copier` is on PATH; elsewhere it is skipped and says so.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCopierCli } from "../../src/scaffold/copier-cli.ts";
import { readTree, removeTempDirs, render, tempDir, writeTree } from "./support.ts";

afterAll(removeTempDirs);

const copier = (() => {
  try {
    return execFileSync("copier", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return null;
  }
})();
if (!copier)
  console.warn(
    "copier-compare.test.ts: skipped: Python `copier` is not on PATH (pipx install copier to run it)",
  );

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/tmp", LANG: "C.UTF-8" };

/** A fixture is either one of the repository's templates (`builtIn`) or a template written from `files`. */
const fixtures: Record<
  string,
  { builtIn?: string; files: Record<string, string>; data: Record<string, unknown> }
> = {
  "default template": {
    builtIn: "node-service",
    files: {},
    data: { project_name: "same-api", modules: ["database", "telegram"] },
  },
  "python template, every module and PostgreSQL": {
    builtIn: "python-service",
    files: {},
    data: { project_name: "same-py", modules: ["database", "telegram"], postgres: true },
  },
  "python template, no module": {
    builtIn: "python-service",
    files: {},
    data: { project_name: "bare-py", python_version: "3.11", port: 9000 },
  },
  "paths, excludes and filters": {
    files: {
      "copier.yml":
        "_exclude: ['copier.yml', '{% if not docs %}docs{% endif %}']\nname: {type: str, default: Demo App}\ndocs: false\nitems: {type: yaml, default: '[a, b]'}\n",
      "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
      "{{ name|lower|replace(' ', '_') }}/main.py.jinja":
        "NAME = {{ name|tojson }}\nITEMS = {{ items }}\nDEBUG = {{ docs }}\n",
      "docs/index.md": "docs\n",
    },
    data: { docs: false },
  },
};

describe.skipIf(!copier)(`Python Copier (${copier ?? "absent"}) and the built-in engine`, () => {
  for (const [name, fixture] of Object.entries(fixtures)) {
    it(`${name}: the same tree`, async () => {
      const templateRoot = fixture.builtIn
        ? path.resolve(import.meta.dirname, "../../../templates", fixture.builtIn)
        : await writeTree(await tempDir("co-template-"), fixture.files);
      const ours = await render({}, { templateRoot, srcPath: templateRoot, data: fixture.data });
      const theirs = path.join(await tempDir("co-copier-"), "project");
      await runCopierCli({
        source: templateRoot,
        destination: theirs,
        data: fixture.data,
        defaults: true,
        trust: false,
        env,
        log: () => {},
      });
      expect(ours.tree).toEqual(await readTree(theirs));
    });
  }
});
