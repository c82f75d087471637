/** Each Copier feature on a small fixture template, rendered by the built-in engine. */
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, render, renderError } from "./support.ts";

afterAll(removeTempDirs);

const ANSWERS = ".copier-answers.yml";

describe("template files and paths", () => {
  it("renders files with the suffix and strips it; copies the rest byte for byte, modes kept", async () => {
    const binary = Buffer.from([0, 255, 1, 254, 0x7b, 0x7b, 10, 0x7b, 0x25]);
    const { tree, destination } = await render({
      "copier.yml": "name: demo\n",
      "README.md.jinja": "# {{ name }}\n",
      "raw.txt": "{{ name }} stays\n",
      "logo.bin": binary,
      "run.sh.jinja": { content: "#!/bin/sh\necho {{ name }}\n", mode: 0o755 },
    });
    expect(Object.keys(tree)).toEqual([ANSWERS, "README.md", "logo.bin", "raw.txt", "run.sh"]);
    expect(tree["README.md"]).toBe("# demo\n");
    expect(tree["raw.txt"]).toBe("{{ name }} stays\n");
    expect((await readFile(path.join(destination, "logo.bin"))).equals(binary)).toBe(true);
    expect((await stat(path.join(destination, "run.sh"))).mode & 0o777).toBe(0o755);
  });

  it("a custom suffix, and an empty one that makes every text file a template", async () => {
    const custom = await render({
      "copier.yml": "_templates_suffix: .tmpl\nname: a\n",
      "x.txt.tmpl": "{{ name }}",
      "y.jinja": "{{ name }}",
    });
    expect(custom.tree["x.txt"]).toBe("a");
    expect(custom.tree["y.jinja"]).toBe("{{ name }}");

    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe, 0x7b, 0x7b]);
    const everything = await render({
      "copier.yml": '_templates_suffix: ""\nname: b\n',
      "x.txt": "{{ name }}",
      "img.png": png,
    });
    expect(everything.tree["x.txt"]).toBe("b");
    expect((await readFile(path.join(everything.destination, "img.png"))).equals(png)).toBe(true);
  });

  it("templated and conditional paths; a segment that renders empty drops the entry and its children", async () => {
    const files = {
      "copier.yml": "package: my_pkg\nwith_docs: false\nwith_ci: true\n",
      "{{ package }}/__init__.py.jinja": "# {{ package }}\n",
      "{% if with_docs %}docs{% endif %}/index.md": "docs\n",
      "{% if with_ci %}.github{% endif %}/ci.yml": "ci\n",
      "{% if with_docs %}notes.md{% endif %}.jinja": "notes\n",
    };
    const { tree } = await render(files);
    expect(Object.keys(tree)).toEqual([ANSWERS, ".github/ci.yml", "my_pkg/__init__.py"]);
    const withDocs = await render(files, { data: { with_docs: true } });
    expect(Object.keys(withDocs.tree)).toContain("docs/index.md");
    expect(Object.keys(withDocs.tree)).toContain("notes.md");
  });

  it("a templated twin wins over the plain file", async () => {
    const { tree } = await render({
      "copier.yml": "n: 1\n",
      "a.txt": "plain",
      "a.txt.jinja": "templated {{ n }}",
    });
    expect(tree["a.txt"]).toBe("templated 1");
  });

  it("_subdirectory: only that folder becomes the project, and the default excludes no longer apply", async () => {
    const { tree } = await render({
      "copier.yml": "_subdirectory: project\nname: sub\n",
      "README.md": "the template's own readme",
      "project/{{ name }}.txt.jinja": "{{ name }}",
      "project/copier.yml": "shipped: true\n",
    });
    expect(Object.keys(tree)).toEqual([ANSWERS, "copier.yml", "sub.txt"]);
  });

  it("default excludes, _exclude with Jinja and negation, matched against rendered paths", async () => {
    const defaults = await render({
      "copier.yml": "a: 1\n",
      "keep.txt": "k",
      "~backup": "x",
      "mod.pyc": "x",
      "__pycache__/x.py": "x",
    });
    expect(Object.keys(defaults.tree)).toEqual([ANSWERS, "keep.txt"]);

    const { tree } = await render({
      "copier.yml": [
        "_exclude:",
        "  - copier.yml",
        '  - "{% if not with_tests %}tests{% endif %}"',
        "  - '*.log'",
        "  - '!keep.log'",
        "  - '{{ name }}-secret.txt'",
        "with_tests: false",
        "name: app",
      ].join("\n"),
      "tests/test_app.py": "t",
      "debug.log": "d",
      "keep.log": "k",
      "{{ name }}-secret.txt.jinja": "s",
      "main.py": "m",
    });
    expect(Object.keys(tree)).toEqual([ANSWERS, "keep.log", "main.py"]);
  });

  it("_skip_if_exists keeps an existing file; other differing files need overwrite", async () => {
    const files = {
      "copier.yml": "_skip_if_exists: [config.ini]\nv: 1\n",
      "config.ini.jinja": "v={{ v }}\n",
      "app.txt.jinja": "app {{ v }}\n",
    };
    const first = await render(files);
    await writeFile(path.join(first.destination, "config.ini"), "edited by hand\n");
    const conflict = await renderError(files, { destination: first.destination, data: { v: 2 } });
    expect(conflict.code).toBe("destination_error");
    expect(conflict.message).toContain("app.txt");
    const again = await render(files, { destination: first.destination, data: { v: 2 }, overwrite: true });
    expect(again.tree["config.ini"]).toBe("edited by hand\n");
    expect(again.tree["app.txt"]).toBe("app 2\n");
  });
});

describe("questions and answers", () => {
  it("types cast answers; defaults are templates over earlier answers", async () => {
    const { report } = await render(
      {
        "copier.yml": [
          "name: {type: str, default: My Project}",
          "slug: {type: str, default: \"{{ name | lower | replace(' ', '-') }}\"}",
          "port: {type: int, default: 8000}",
          "ratio: {type: float, default: 0.5}",
          "debug: {type: bool, default: false}",
          "tags: {type: yaml, default: '[a, b]'}",
          "meta: {type: json, default: '{\"k\": 1}'}",
          "inferred_int: 3",
        ].join("\n"),
      },
      { data: { port: "9000", debug: "yes", ratio: "1e-1" } },
    );
    expect(report.answers).toMatchObject({
      name: "My Project",
      slug: "my-project",
      port: 9000,
      ratio: 0.1,
      debug: true,
      tags: ["a", "b"],
      meta: { k: 1 },
      inferred_int: 3,
    });
  });

  it("choices as a list, a mapping and [label, value] pairs; a disabled choice says why", async () => {
    const files = {
      "copier.yml": [
        "license: {type: str, choices: [MIT, Apache-2.0], default: MIT}",
        "db:",
        "  type: str",
        "  default: none",
        "  choices:",
        "    PostgreSQL: postgres",
        "    No database: none",
        "python:",
        "  type: str",
        "  default: '3.12'",
        "  choices:",
        "    - ['Python 3.12', '3.12']",
        "    - ['Python 2.7', {value: '2.7', validator: 'end of life'}]",
      ].join("\n"),
    };
    expect((await render(files, { data: { db: "postgres" } })).report.answers).toMatchObject({
      license: "MIT",
      db: "postgres",
      python: "3.12",
    });
    const error = await renderError(files, { data: { license: "GPL", python: "2.7" } });
    expect(error.code).toBe("invalid_answers");
    expect(error.details?.questions).toEqual([
      { question: "license", message: expect.stringContaining("not one of the choices") },
      { question: "python", message: "invalid choice: end of life" },
    ]);
  });

  it("multiselect answers follow the choices' order, from a list or YAML text", async () => {
    const files = {
      "copier.yml": "mods:\n  type: str\n  multiselect: true\n  choices: [db, bot, cache]\n  default: []\n",
    };
    expect((await render(files, { data: { mods: ["cache", "db", "db"] } })).report.answers.mods).toEqual([
      "db",
      "cache",
    ]);
    expect((await render(files, { data: { mods: "[bot, db]" } })).report.answers.mods).toEqual(["db", "bot"]);
    const error = await renderError(files, { data: { mods: ["nope"] } });
    expect(error.details?.questions).toEqual([
      { question: "mods", message: expect.stringContaining("not one of the choices") },
    ]);
  });

  it("validators see the answer; every failing question is listed at once and nothing is written", async () => {
    const files = {
      "copier.yml": [
        "name:",
        "  type: str",
        "  validator: \"{% if not (name | regex_search('^[a-z]+$')) %}lowercase letters only{% endif %}\"",
        "port:",
        "  type: int",
        "  default: 80",
        '  validator: "{% if port < 1024 %}use 1024 or more{% endif %}"',
        "fine: {type: str, default: ok}",
      ].join("\n"),
      "out.txt.jinja": "{{ name }}",
    };
    const { destination } = await render(files, { data: { name: "good", port: 2000 } });
    const target = path.join(path.dirname(destination), "second");
    const error = await renderError(files, { destination: target, data: { name: "Bad!" } });
    expect(error.code).toBe("invalid_answers");
    expect(error.details?.questions).toEqual([
      { question: "name", message: "lowercase letters only" },
      { question: "port", message: "use 1024 or more" },
    ]);
    await expect(stat(target)).rejects.toThrow();
    const missing = await renderError(files, { destination: target });
    // The default is validated too, as Copier does.
    expect(missing.details?.questions).toEqual([
      { question: "name", message: "is required: it has no default" },
      { question: "port", message: "use 1024 or more" },
    ]);
  });

  it("when: false hides a question from the answers file; secrets never reach it", async () => {
    const { report, tree } = await render(
      {
        "copier.yml": [
          "use_db: false",
          "db_name: {type: str, default: app, when: '{{ use_db }}'}",
          "token: {type: str, secret: true, default: ''}",
        ].join("\n"),
        "env.jinja": "DB={{ db_name }}\nTOKEN={{ token }}\n",
      },
      { data: { token: "canary-token-value" } },
    );
    expect(tree.env).toBe("DB=app\nTOKEN=canary-token-value\n");
    expect(report.answers).toEqual({ _src_path: expect.any(String), use_db: false });
    expect(tree[ANSWERS]).not.toContain("canary-token-value");
  });

  it("an interactive caller is asked, and asked again after a refused answer", async () => {
    const asked: string[] = [];
    const replies = ["", "Bad", "good"];
    const { report } = await render(
      {
        "copier.yml":
          'name:\n  type: str\n  validator: "{% if name != name|lower or not name %}lowercase please{% endif %}"\nport: 8000\n',
      },
      {
        defaults: false,
        data: { port: 8080 },
        ask: async (prompt, problem) => {
          asked.push(`${prompt.name}:${problem ?? ""}`);
          return replies.shift() ?? "";
        },
      },
    );
    expect(report.answers).toMatchObject({ name: "good", port: 8080 });
    expect(asked).toEqual(["name:", "name:lowercase please", "name:lowercase please"]);
  });
});

describe("configuration", () => {
  it("!include merges other YAML files: questions appended, list settings concatenated", async () => {
    const { tree, report } = await render({
      "copier.yml": "---\n_exclude: ['*.bak']\nname: app\n---\n!include includes/*.yml\n",
      "includes/a.yml": "_exclude: ['*.tmp']\nversion: {type: int, default: 2}\n",
      "includes/b.yml": "name: overridden\n",
      "x.bak": "",
      "y.tmp": "",
      "includes/c.txt": "",
      "v.txt.jinja": "{{ name }} {{ version }}",
    });
    expect(tree["v.txt"]).toBe("overridden 2");
    expect(Object.keys(tree)).not.toContain("x.bak");
    expect(Object.keys(tree)).not.toContain("y.tmp");
    expect(report.answers).toMatchObject({ name: "overridden", version: 2 });
  });

  it("_answers_file and the template's own answers file (Copier's way) with sorted to_nice_yaml", async () => {
    const { tree } = await render(
      {
        "copier.yml": "_answers_file: .config/answers.yml\nzeta: 1\nalpha: [x, 'yes']\nBig: true\n",
        "{{ _copier_conf.answers_file }}.jinja": "# header\n{{ _copier_answers|to_nice_yaml -}}\n",
      },
      { srcPath: "gh:example/template" },
    );
    expect(tree[".config/answers.yml"]).toBe(
      "# header\nBig: true\n_src_path: gh:example/template\nalpha:\n- x\n- 'yes'\nzeta: 1\n",
    );
    expect(Object.keys(tree)).toEqual([".config/answers.yml"]);
  });

  it("without recordAnswers, a template without its own answers file gets none (Copier's way)", async () => {
    const files = { "copier.yml": "name: app\n", "a.txt.jinja": "{{ name }}\n" };
    const copierWay = await render(files, { recordAnswers: false });
    expect(Object.keys(copierWay.tree)).toEqual(["a.txt"]);
    const recorded = await render(files);
    expect(recorded.tree[ANSWERS]).toMatch(
      /^# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n/,
    );
    expect(recorded.tree[ANSWERS]).toContain("name: app\n");
  });

  it("_envops: custom delimiters and block trimming", async () => {
    const { tree } = await render({
      "copier.yml":
        "_envops: {block_start_string: '[%', block_end_string: '%]', variable_start_string: '[[', variable_end_string: ']]', trim_blocks: true}\nname: app\n",
      "f.txt.jinja": "[% if true %]\n[[ name ]] and {{ literal }} {% raw %}\n[% endif %]\n",
    });
    expect(tree["f.txt"]).toBe("app and {{ literal }} {% raw %}\n");
  });

  it("messages are rendered before and after the copy", async () => {
    const { report } = await render({
      "copier.yml":
        "_message_before_copy: 'Making {{ name | default(\"?\") }}'\n_message_after_copy: 'Made {{ name }}'\nname: app\n",
    });
    expect(report.messages).toEqual(["Making ?", "Made app"]);
  });
});

describe("tasks and trust", () => {
  const files = {
    "copier.yml": [
      "name: app",
      "_tasks:",
      '  - "echo {{ name }} > from-shell.txt"',
      "  - [sh, -c, 'echo $STAGE > stage.txt']",
      "  - {command: 'touch skipped.txt', when: '{{ false }}'}",
      "  - {command: 'touch in-sub.txt', working_directory: sub}",
    ].join("\n"),
    "sub/.keep": "",
  };

  it("refuses a template with tasks unless trusted, before writing anything", async () => {
    const error = await renderError(files);
    expect(error.code).toBe("unsafe_template");
    expect(error.message).toContain("tasks");
  });

  it("runs them in order when trusted, honouring when and working_directory", async () => {
    const { tree, log } = await render(files, { trust: true });
    expect(tree["from-shell.txt"]).toBe("app\n");
    expect(tree["stage.txt"]).toBe("task\n");
    expect(tree["sub/in-sub.txt"]).toBe("");
    expect(Object.keys(tree)).not.toContain("skipped.txt");
    expect(log).toContain("Running task 1 of 4");
  });

  it("a failing task fails the scaffold with the task named", async () => {
    const error = await renderError({ "copier.yml": "_tasks: ['exit 7']\n" }, { trust: true });
    expect(error.code).toBe("task_failed");
    expect(error.message).toContain("exited with 7");
  });
});
