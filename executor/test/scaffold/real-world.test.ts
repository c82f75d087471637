/**
 * What public Copier templates depend on (cases after OCA/oca-addons-repo-template,
 * lincc-frameworks/python-project-template and others, written here): macros imported from files
 * outside `_subdirectory` (names resolve from the template's root, as Copier's loader does),
 * includes, `extends` with blocks, a `type: float` answer printed as Python prints it, `%` and
 * `str.format`, `None`, `dict.get`, insertion-ordered dicts, Python's repr, `4 / 2`. Rendered by
 * the Jinja2 worker (the executor's renderer where the host has Python's Jinja2).
 */
import { symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Jinja2Renderer } from "../../src/scaffold/jinja/jinja2-worker.ts";
import type { RendererChoice } from "../../src/scaffold/jinja/renderer.ts";
import { removeTempDirs, render, renderError, tempDir, writeTree } from "./support.ts";

const probe = await Jinja2Renderer.open(null, {});
probe?.close();
if (!probe) console.warn("real-world.test.ts: Python's Jinja2 is not on this host: skipped");

afterAll(removeTempDirs);

const template = {
  "copier.yml": [
    "_subdirectory: src",
    "_templates_suffix: .jinja",
    "odoo_version:",
    "  type: float",
    "  default: 16.0",
    "  choices: [14.0, 15.0, 16.0]",
    "repo_slug:",
    "  type: str",
    "  default: server-tools",
    "python_versions:",
    "  type: yaml",
    "  default: ['3.10', '3.11']",
    "rebel_groups:",
    "  type: yaml",
    "  default: null",
    "",
  ].join("\n"),
  // Outside _subdirectory: reachable only because includes resolve from the template's root.
  "shared/macros.jinja": [
    "{% macro badge(label, url) -%}",
    "[![{{ label }}]({{ url }})]({{ url }})",
    "{%- endmacro %}",
    "{% macro version_list(versions) -%}",
    "{% for v in versions %}- {{ v }}",
    "{% endfor %}",
    "{%- endmacro %}",
    "",
  ].join("\n"),
  "shared/gitignore-common": "# Byte-compiled\n*.py[cod]\n__pycache__/\n",
  "shared/base.md.jinja":
    "# {% block title %}Project{% endblock %}\n\n{% block body %}{% endblock %}\nFor Odoo {{ odoo_version }}.\n",
  "src/README.md.jinja": [
    '{% extends "shared/base.md.jinja" %}',
    "{% block title %}{{ repo_slug }}{% endblock %}",
    '{% block body %}{% from "shared/macros.jinja" import badge %}',
    '{{ badge("Runboat", "https://runboat.example/builds?repo=OCA/%s&target_branch=%s" % (repo_slug, odoo_version)) }}',
    "{% endblock %}",
  ].join("\n"),
  "src/.gitignore.jinja": '{% include "shared/gitignore-common" %}\n# Odoo {{ odoo_version }}\n',
  "src/{% if odoo_version >= 15 %}test.yml{% endif %}.jinja":
    "branches: [{{ '%s' % odoo_version }}]\nname: {{ '{}-{}'.format(repo_slug, odoo_version) }}\n",
  "src/{% if odoo_version < 15 %}legacy.yml{% endif %}.jinja": "never\n",
  "src/values.txt.jinja": [
    "none={{ none }} rebels={{ rebel_groups }}",
    "get={{ {'a': 1}.get('b', 'fallback') }} {{ {'a': 1}.get('a') }} {{ {'a': 1}.get('c') }}",
    "order={% for k in {'z': 1, 'a': 2, 'm': 3} %}{{ k }}{% endfor %} {{ {'z': 1, 'a': 2} }}",
    "divide={{ 4 / 2 }} {{ 7 // 2 }} float={{ odoo_version }} {{ odoo_version + 1 }}",
    "repr={{ python_versions }} {{ ['a', \"b'c\"] }} {{ (1, 'x') }}",
    "{% import 'shared/macros.jinja' as m %}{{ m.version_list(python_versions) }}",
  ].join("\n"),
};

/** The error of a template that includes a file through a link to a directory outside it. */
async function includeThroughLink(renderer: RendererChoice) {
  const outside = await tempDir("co-outside-");
  await writeFile(path.join(outside, "secret.txt"), "not the template's\n");
  const root = await writeTree(await tempDir("co-template-"), {
    "copier.yml": "n: 1\n",
    "a.txt.jinja": '{% include "linked/secret.txt" %}',
  });
  await symlink(outside, path.join(root, "linked"));
  return await renderError({}, { templateRoot: root, renderer });
}

describe.skipIf(!probe)("real-world Copier templates through the Jinja2 worker", () => {
  it("renders includes, imports, extends and Python's values as Copier does", async () => {
    const { tree, report } = await render(template);
    expect(report.renderer).toMatch(/^jinja2 \d/);
    expect(Object.keys(tree).sort()).toEqual([
      ".copier-answers.yml",
      ".gitignore",
      "README.md",
      "test.yml",
      "values.txt",
    ]);
    expect(tree["README.md"]).toBe(
      "# server-tools\n\n\n[![Runboat](https://runboat.example/builds?repo=OCA/server-tools&target_branch=16.0)](https://runboat.example/builds?repo=OCA/server-tools&target_branch=16.0)\n\nFor Odoo 16.0.\n",
    );
    expect(tree[".gitignore"]).toBe("# Byte-compiled\n*.py[cod]\n__pycache__/\n\n# Odoo 16.0\n");
    expect(tree["test.yml"]).toBe("branches: [16.0]\nname: server-tools-16.0\n");
    expect(tree["values.txt"]).toBe(
      [
        "none=None rebels=None",
        "get=fallback 1 None",
        "order=zam {'z': 1, 'a': 2}",
        "divide=2.0 3 float=16.0 17.0",
        "repr=['3.10', '3.11'] ['a', \"b'c\"] (1, 'x')",
        "- 3.10\n- 3.11\n",
      ].join("\n"),
    );
    expect(tree[".copier-answers.yml"]).toContain("odoo_version: 16.0\n");
  });

  it("an include names the template's root, never a file outside it", async () => {
    const linked = await includeThroughLink("auto");
    expect(linked).toMatchObject({ code: "template_error", details: { file: "a.txt.jinja" } });
    expect(linked.message).toContain("template not found: linked/secret.txt");
    const up = await renderError({ "copier.yml": "n: 1\n", "b.txt.jinja": '{% include "../etc/passwd" %}' });
    expect(up.message).toContain("template not found");
  });

  it("an error in an included file names that file and line; the sandbox holds", async () => {
    const included = await renderError({
      "copier.yml": "n: 1\n",
      "parts/broken.jinja": "ok\n{{ n | nope }}\n",
      "a.txt.jinja": "x\n{% include 'parts/broken.jinja' %}\n",
    });
    expect(included).toMatchObject({
      code: "template_error",
      details: { file: "parts/broken.jinja", line: 2 },
    });
    const breakout = await renderError({
      "copier.yml": "n: 1\n",
      "a.txt.jinja": "one\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n",
    });
    expect(breakout).toMatchObject({ code: "template_error", details: { file: "a.txt.jinja", line: 2 } });
    expect(breakout.message).toMatch(/unsafe|not safely accessible/);
  });

  it("a template that loops is stopped at the time limit, and says so", async () => {
    const renderer = await Jinja2Renderer.open(null, {}, { renderTimeoutMs: 500 });
    const looping = "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}";
    await expect(renderer?.render(looping, {}, "loop.jinja")).rejects.toMatchObject({
      code: "template_error",
      message: "rendering took longer than 0.5 s: the template loops",
      details: { file: "loop.jinja" },
    });
    await expect(renderer?.render("{{ 1 }}", {}, "after.jinja")).rejects.toMatchObject({
      code: "template_error",
    });
  });
});

describe("the MiniJinja fallback (hosts without Python's Jinja2)", () => {
  it("resolves includes, imports and extends from the template's root too", async () => {
    // Without what MiniJinja cannot do (`%` on strings, `dict.get` with a default: docs/scaffolding.md).
    const { "src/values.txt.jinja": _values, ...rest } = template;
    const fallbackTemplate = {
      ...rest,
      "src/README.md.jinja": template["src/README.md.jinja"].replace(
        '" % (repo_slug, odoo_version)',
        '" | format(repo_slug, odoo_version)',
      ),
      "src/{% if odoo_version >= 15 %}test.yml{% endif %}.jinja": "branches: [{{ odoo_version }}]\n",
    };
    const { tree, report } = await render(fallbackTemplate, { renderer: "minijinja" });
    expect(report.renderer).toBe("minijinja");
    // MiniJinja has no float of integral value: `16.0` prints as `16` (docs/scaffolding.md).
    expect(tree["README.md"]).toBe(
      "# server-tools\n\n\n[![Runboat](https://runboat.example/builds?repo=OCA/server-tools&target_branch=16)](https://runboat.example/builds?repo=OCA/server-tools&target_branch=16)\n\nFor Odoo 16.\n",
    );
    expect(tree[".gitignore"]).toBe("# Byte-compiled\n*.py[cod]\n__pycache__/\n\n# Odoo 16\n");
  });

  it("refuses an include that leads out of the root, naming the including file", async () => {
    const linked = await includeThroughLink("minijinja");
    expect(linked).toMatchObject({ code: "template_error", details: { file: "a.txt.jinja" } });
    expect(linked.message).toMatch(/template not found|not found/);
  });

  it("an error in an included file names that file and line", async () => {
    const included = await renderError(
      {
        "copier.yml": "n: 1\n",
        "parts/broken.jinja": "ok\n{{ n | nope }}\n",
        "a.txt.jinja": "x\n{% include 'parts/broken.jinja' %}\n",
      },
      { renderer: "minijinja" },
    );
    expect(included).toMatchObject({
      code: "template_error",
      details: { file: "parts/broken.jinja", line: 2 },
    });
  });
});
