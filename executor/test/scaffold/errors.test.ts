/** Broken templates and bad answers: one clear error naming the file and line; nothing written. */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, render, renderError, tempDir } from "./support.ts";

afterAll(removeTempDirs);

async function untouched(files: Record<string, string>, data: Record<string, unknown> = {}) {
  const parent = await tempDir("co-dest-");
  const destination = path.join(parent, "project");
  const error = await renderError(files, { destination, data });
  await expect(stat(destination)).rejects.toThrow();
  // No staging directory is left beside the destination either.
  expect(await readdir(parent)).toEqual([]);
  return error;
}

describe("errors", () => {
  it("a syntax error names the template file and line", async () => {
    const error = await untouched({
      "copier.yml": "name: app\n",
      "good.txt.jinja": "{{ name }}\n",
      "src/broken.py.jinja": "line 1\nline 2\n{% if name %}\nno endif\n",
    });
    expect(error.code).toBe("template_error");
    expect(error.details).toMatchObject({ file: "src/broken.py.jinja" });
    expect(error.details?.line).toBeGreaterThanOrEqual(3);
  });

  it("an unknown filter fails, naming its file and line", async () => {
    const error = await untouched({
      "copier.yml": "name: app\n",
      "a.txt.jinja": "one\ntwo\n{% if true %}{{ name | shout }}{% endif %}\n",
    });
    expect(error).toMatchObject({ code: "template_error", details: { file: "a.txt.jinja", line: 3 } });
    // MiniJinja's words, or Jinja2's (the renderer where the host has it).
    expect(error.message).toMatch(/unknown filter `shout`|No filter named 'shout'/);
  });

  it("an unknown test and an unclosed tag are reported with their line", async () => {
    const test = await untouched({ "copier.yml": "n: 1\n", "t.jinja": "\n{% if n is prime %}x{% endif %}" });
    expect(test).toMatchObject({ code: "template_error", details: { file: "t.jinja", line: 2 } });
    expect(test.message).toMatch(/unknown test `prime`|No test named 'prime'/);
    const unclosed = await untouched({ "copier.yml": "n: 1\n", "u.jinja": "a\nb\n{{ n \n" });
    expect(unclosed).toMatchObject({ code: "template_error", details: { file: "u.jinja", line: 3 } });
  });

  it("a filter that fails at render names its file", async () => {
    const error = await untouched({
      "copier.yml": "n: 1\n",
      "m.txt.jinja": "{{ missing | mandatory('missing is needed') }}",
    });
    expect(error).toMatchObject({ code: "template_error", details: { file: "m.txt.jinja" } });
    expect(error.message).toContain("missing is needed");
  });

  it("a broken path segment, a path leaving the project and invalid YAML", async () => {
    const segment = await untouched({ "copier.yml": "n: 1\n", "{{ n | nope }}/x.txt": "" });
    expect(segment.message).toMatch(/unknown filter `nope`|No filter named 'nope'/);
    const outside = await untouched({ "copier.yml": "up: '..'\n", "{{ up }}/evil.txt": "" });
    expect(outside.message).toContain("outside the project");
    const yaml = await untouched({ "copier.yml": "name: [unclosed\n" });
    expect(yaml).toMatchObject({ code: "invalid_template", details: { file: "copier.yml" } });
  });

  it("invalid answers list every failing question", async () => {
    const error = await untouched(
      {
        "copier.yml":
          "age: {type: int}\nratio: {type: float}\nkind: {type: str, choices: [a, b]}\nok: {type: str, default: fine}\n",
      },
      { age: "twelve", ratio: "x", kind: "c" },
    );
    expect(error.code).toBe("invalid_answers");
    expect(((error.details?.questions ?? []) as { question: string }[]).map((q) => q.question)).toEqual([
      "age",
      "ratio",
      "kind",
    ]);
  });

  it("Python Jinja extensions: trusted templates only, on Python's Jinja2 only, and ones that import", async () => {
    const template = { "copier.yml": "_jinja_extensions: [jinja2_time.TimeExtension]\nn: 1\n" };
    const untrusted = await renderError(template);
    expect(untrusted.code).toBe("unsafe_template");
    const minijinja = await renderError(template, { trust: true, renderer: "minijinja" });
    expect(minijinja.code).toBe("engine_unavailable");
    expect(minijinja.message).toContain("copier engine");
    // This host has no jinja2_time: the template's problem, named.
    const missing = await renderError(template, { trust: true, renderer: "jinja2" });
    expect(missing.code).toBe("invalid_template");
    expect(missing.message).toMatch(
      /^cannot load the Jinja extensions jinja2_time\.TimeExtension: ModuleNotFoundError: No module named 'jinja2_time'/,
    );
  });

  it("Jinja2's own extensions load for a trusted template (do, loop controls)", async () => {
    const { tree } = await render(
      {
        "copier.yml": "_jinja_extensions: [jinja2.ext.do, jinja2.ext.loopcontrols]\nn: 1\n",
        "x.txt.jinja":
          "{% set xs = [] %}{% do xs.append(n) %}{% for i in range(5) %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% endfor %} {{ xs }}\n",
      },
      { trust: true, renderer: "jinja2" },
    );
    expect(tree["x.txt"]).toBe("01 [1]\n");
  });

  it("a rendered destination that is fine still works after errors (the engine is not left broken)", async () => {
    await renderError({ "copier.yml": "n: 1\n", "x.jinja": "{{ n | regex_replace('(', 'x') }}" });
    const { tree } = await render({ "copier.yml": "n: 2\n", "x.jinja": "{{ n }}" });
    expect(tree.x).toBe("2");
  });
});
