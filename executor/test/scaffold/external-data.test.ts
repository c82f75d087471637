/**
 * `_external_data` as Copier reads it (after templates that stack on another template's answers,
 * such as copier-org's "parent" pattern): named YAML files of the destination, their paths Jinja
 * that may name an answer, available to questions' defaults and to the files; a missing file is
 * `{}` with a warning; a path out of the project is refused. On both renderers.
 */
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, render, renderError, tempDir } from "./support.ts";

afterAll(removeTempDirs);

const TEMPLATE = {
  "copier.yml": [
    "_external_data:",
    '  parent: "{{ parent_answers }}"',
    "  settings: ci/settings.yml",
    "parent_answers:",
    "  type: str",
    "  default: .parent-answers.yml",
    "name:",
    "  type: str",
    "  default: \"{{ _external_data.parent.project_name | default('none') }}-child\"",
    "",
  ].join("\n"),
  "out.txt.jinja":
    "{{ name }} on {{ _external_data.parent.python }} with {{ _external_data.settings.runner | default('no runner') }}\n",
};

/** A destination that already holds the parent template's answers (as a project built from it does). */
async function projectWithParent(): Promise<string> {
  const destination = path.join(await tempDir("co-external-"), "project");
  await mkdir(destination, { recursive: true });
  await writeFile(
    path.join(destination, ".parent-answers.yml"),
    "_src_path: gh:acme/parent\nproject_name: acme\npython: '3.12'\nodoo:\n  versions: [16.0, 17]\n",
  );
  return destination;
}

describe.each(["jinja2", "minijinja"] as const)("_external_data (%s)", (renderer) => {
  it("reads the project's files for the questions' defaults and the files, a missing one as {}", async () => {
    const destination = await projectWithParent();
    const { tree, log, report } = await render(TEMPLATE, { destination, renderer });
    expect(tree["out.txt"]).toBe("acme-child on 3.12 with no runner\n");
    expect(report.answers).toMatchObject({ parent_answers: ".parent-answers.yml", name: "acme-child" });
    expect(log).toContain("external data settings: file not found (ci/settings.yml); using {}");
  });

  it.runIf(renderer === "jinja2")("keeps a float written 16.0 a float, as PyYAML reads it", async () => {
    const destination = await projectWithParent();
    const files = { ...TEMPLATE, "odoo.txt.jinja": "{{ _external_data.parent.odoo.versions }}\n" };
    const { tree } = await render(files, { destination, renderer });
    expect(tree["odoo.txt"]).toBe("[16.0, 17]\n");
  });

  it("follows an answer that names another file", async () => {
    const destination = await projectWithParent();
    await writeFile(path.join(destination, "other.yml"), "project_name: other\npython: '3.13'\n");
    const { tree } = await render(TEMPLATE, { destination, renderer, data: { parent_answers: "other.yml" } });
    expect(tree["out.txt"]).toBe("other-child on 3.13 with no runner\n");
  });

  it("refuses a path out of the project, directly or through a link", async () => {
    const destination = await projectWithParent();
    const outside = await renderError(TEMPLATE, {
      destination,
      renderer,
      data: { parent_answers: "../../../etc/passwd" },
    });
    expect(outside).toMatchObject({ code: "invalid_template" });
    expect(outside.message).toBe("_external_data.parent leaves the project: ../../../etc/passwd");
    await symlink("/etc/hostname", path.join(destination, "linked.yml"));
    const linked = await renderError(TEMPLATE, {
      destination,
      renderer,
      data: { parent_answers: "linked.yml" },
    });
    expect(linked.message).toBe("_external_data.parent leaves the project: linked.yml");
  });
});
