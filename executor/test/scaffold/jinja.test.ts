/**
 * The Jinja layer: the same templates rendered by Python's Jinja2 (when the host has it) and by
 * both renderers (the Jinja2 worker and MiniJinja) must print the same text; PyYAML is the
 * reference for `to_nice_yaml` / `to_yaml`.
 */
import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { JinjaEnvironment } from "../../src/scaffold/jinja/environment.ts";
import { Jinja2Renderer } from "../../src/scaffold/jinja/jinja2-worker.ts";
import type { TemplateRenderer } from "../../src/scaffold/jinja/renderer.ts";
import { rewriteTemplate } from "../../src/scaffold/jinja/syntax.ts";
import { pyYamlDump } from "../../src/scaffold/jinja/yaml-dump.ts";

const context = {
  name: "hello-World",
  mods: ["db", "bot"],
  flag: true,
  off: false,
  d: { k: "v", n: 2 },
  i: 3,
  f: 1.5,
  empty: "",
  objs: [{ a: 1 }, { a: 2 }],
  quote: 'it\'s "quoted"',
};

/** Templates real Copier templates use; each must render exactly as Jinja2 renders it. */
const cases: Record<string, string> = {
  variables: "Hello {{ name }}! {{ d.k }} {{ d['n'] }} {{ objs[1].a }}",
  stringFilters:
    "{{ name|lower }} {{ name|upper }} {{ name|title }} {{ name|capitalize }} {{ ' x '|trim }} {{ name|replace('-', '_') }}",
  replaceCount: "{{ 'aaa'|replace('a', 'b', 2) }}",
  pythonMethods:
    "{{ name.replace('-', '_').lower() }} {{ name.startswith('he') }} {{ name.split('-')[0] }} {{ name.upper() }} {{ '  y '.strip() }}",
  defaults: "{{ missing|default('x') }} {{ empty|default('y', true) }} {{ missing|d('z') }} [{{ missing }}]",
  joinLength: "{{ mods|join(', ') }} {{ mods|length }} {{ name|length }} {{ mods|count }}",
  membership: "{% if 'db' in mods %}yes{% endif %} {{ 'x' not in mods }} {{ 'ell' in name }}",
  tests:
    "{{ missing is defined }} {{ name is defined }} {{ 'a' is string }} {{ 3 is number }} {{ 4 is even }} {{ d is mapping }} {{ 9 is divisibleby 3 }}",
  booleans: "{{ flag }} {{ off }} {{ not flag }} {{ flag|string }}",
  containers: "{{ mods }} {{ d }} {{ [1, 'a', none, true] }} {{ quote }} {{ [quote] }}",
  tojson: "{{ mods|tojson }} {{ d|tojson }} {{ name|tojson }} {{ quote|tojson }} {{ '<&>'|tojson }}",
  conditionals: "{{ 'a' if flag else 'b' }}{% if off %}x{% elif flag %}y{% else %}z{% endif %}",
  loops:
    "{% for m in mods %}{{ loop.index }}{{ m }}{{ ',' if not loop.last }}{% endfor %}{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
  loopElse: "{% for x in [] %}x{% else %}none{% endfor %}",
  sets: "{% set x = name ~ '!' %}{{ x }}{% set y %}blk{% endset %}{{ y }}",
  macros: "{% macro m(a, b='q') %}<{{ a }}{{ b }}>{% endmacro %}{{ m(1) }}{{ m(2, b='r') }}",
  numbers:
    "{{ i / 2 }} {{ 7 // 2 }} {{ 2 ** 3 }} {{ f }} {{ 7 % 3 }} {{ '3'|int + 1 }} {{ 2.567|round(1) }} {{ -3|abs }}",
  slices: "{{ name[1:3] }} {{ mods[-1] }} {{ name[::-1] }}",
  listFilters:
    "{{ mods|first }} {{ mods|last }} {{ mods|sort|join }} {{ mods|reverse|join }} {{ [1, 1, 2]|unique|list }} {{ [3, 1]|max }} {{ [3, 1]|sum }}",
  mapSelect:
    "{{ objs|map(attribute='a')|join(',') }} {{ objs|selectattr('a', 'equalto', 2)|map(attribute='a')|list }} {{ mods|select('ne', 'db')|list }} {{ mods|reject('eq', 'db')|list }}",
  moreStringFilters:
    "{{ 'a\nb'|indent(2) }}|{{ 'Hello'|center(9) }}|{{ 'hello world'|wordcount }}|{{ 'a b c d e f g'|truncate(9) }}|{{ 'abc'|reverse }}|{{ 'a b&c'|urlencode }}",
  whitespace: "a\n  {%- if true %}\n  b\n  {%- endif %}\nc\n",
  blockNewlines: "{% if true %}\nX\n{% endif %}\n",
  raw: "{% raw %}{{ kept }} {% if %}{% endraw %}",
  comments: "a{# a comment #}b{#- trimmed -#} c",
  namespace:
    "{% set ns = namespace(n=0) %}{% for m in mods %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}",
  dictsort: "{% for k, v in {'b': 1, 'a': 2}|dictsort %}{{ k }}{{ v }}{% endfor %}",
  filterBlock: "{% filter upper %}abc{% endfilter %}",
  range: "{{ range(3)|list }} {% for i in range(1, 3) %}{{ i }}{% endfor %}",
  format: "{{ '%s-%d'|format('a', 3) }}",
  trailingNewline: "kept\n",
};

function jinja2Renders(): Record<string, string> | null {
  try {
    const script = [
      "import json, sys",
      "from jinja2.sandbox import SandboxedEnvironment",
      "data = json.load(sys.stdin)",
      "env = SandboxedEnvironment(keep_trailing_newline=True)",
      "print(json.dumps({k: env.from_string(s).render(**data['context']) for k, s in data['cases'].items()}))",
    ].join("\n");
    const out = execFileSync("python3", ["-c", script], {
      input: JSON.stringify({ cases, context }),
      encoding: "utf8",
    });
    return JSON.parse(out);
  } catch {
    return null;
  }
}

const reference = jinja2Renders();
if (!reference)
  console.warn("jinja.test.ts: Python's jinja2 is not installed: the Jinja2 comparison is skipped");

const jinja2 = await Jinja2Renderer.open(null, {});
if (!jinja2) console.warn("jinja.test.ts: the Jinja2 worker cannot start here: its cases are skipped");
const minijinja = new JinjaEnvironment();
afterAll(() => jinja2?.close());
const renderers: [string, TemplateRenderer | null][] = [
  ["minijinja", minijinja],
  ["the jinja2 worker", jinja2],
];

describe.each(renderers)("Jinja fidelity: %s", (_name, env) => {
  it.skipIf(!reference || !env).each(Object.keys(cases))("%s renders as Jinja2 renders it", async (name) => {
    expect(await env?.render(cases[name] ?? "", context, name)).toBe(reference?.[name]);
  });
});

describe.each(renderers)("the Ansible filters Copier loads: %s", (_name, env) => {
  const render = (template: string, ctx: Record<string, unknown> = {}) => env?.render(template, ctx, "t");

  it.skipIf(!env)(
    "regex_search, regex_replace (Python group syntax), regex_findall, regex_escape",
    async () => {
      expect(await render("{{ 'v1.22'|regex_search('(\\\\d+)\\\\.(\\\\d+)') }}")).toBe("1.22");
      expect(
        await render("{{ 'v1.22'|regex_search('(?P<major>\\\\d+)\\\\.(\\\\d+)', '\\\\g<major>', '\\\\2') }}"),
      ).toBe("['1', '22']");
      // No match is None: Jinja2 prints it, MiniJinja prints nothing (docs/scaffolding.md).
      expect(await render("{{ 'Hello'|regex_search('x') }}")).toBe(env === minijinja ? "" : "None");
      expect(await render("{{ 'a-b-c'|regex_replace('(\\\\w)-', '\\\\1_') }}")).toBe("a_b_c");
      expect(await render("{{ 'ABC'|regex_replace('b', 'x', ignorecase=true) }}")).toBe("AxC");
      expect(await render("{{ 'a1b22'|regex_findall('\\\\d+') }}")).toBe("['1', '22']");
      expect(await render("{{ 'a.b'|regex_escape }}")).toBe("a\\.b");
    },
  );

  it.skipIf(!env)(
    "bool, ternary, quote, b64, hashes, comment, to_json, to_nice_json, flatten, to_uuid",
    async () => {
      expect(await render("{{ 'yes'|bool }} {{ 'y'|bool }} {{ 'on'|bool }}")).toBe("True False True");
      expect(await render("{{ flag|ternary('on', 'off') }}", { flag: false })).toBe("off");
      expect(await render("{{ 'a b'|quote }} {{ 'ab'|quote }} {{ \"it's\"|quote }}")).toBe(
        "'a b' ab 'it'\"'\"'s'",
      );
      expect(await render("{{ 'hi'|b64encode }} {{ 'aGk='|b64decode }}")).toBe("aGk= hi");
      expect(await render("{{ 'hi'|md5 }} {{ 'hi'|hash('sha256') }}")).toBe(
        "49f68a5c8493ec2c0bf489821c21fc3b 8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4",
      );
      expect(await render("{{ 'one\ntwo'|comment }}")).toBe("#\n# one\n# two\n#");
      expect(await render("{{ {'a': [true, none], 'b': 1}|to_json }}")).toBe('{"a": [true, null], "b": 1}');
      expect(await render("{{ {'b': 1, 'a': 2}|to_nice_json }}")).toBe('{\n    "a": 2,\n    "b": 1\n}');
      expect(await render("{{ [1, [2, [3, none]]]|flatten }}")).toBe("[1, 2, 3]");
      // uuid5 in Ansible's namespace, as Python's uuid.uuid5 computes it.
      expect(await render("{{ 'example.com'|to_uuid }}")).toBe("ae780c3a-a3ab-53c2-bfb4-098da300b3fe");
    },
  );
});

describe("PyYAML's output", () => {
  const yamlCases: unknown[] = [
    {
      b: 1,
      a: [1, null, "x", "yes", "1.0", "a: b", "", true],
      c: { d: [{ e: 1, f: [2, 3] }, [1, 2]], g: {} },
      Z: "2020-01-01",
    },
    { _src_path: "gh:org/tpl", _commit: "v1.2.0", modules: ["database"], port: 8000, name: "it's" },
    [],
    {},
  ];
  const pyyaml = (() => {
    try {
      const script = [
        "import json, sys, yaml",
        "data = json.load(sys.stdin)",
        "print(json.dumps([[yaml.dump(d, indent=4, allow_unicode=True, default_flow_style=False), yaml.dump(d, indent=2, allow_unicode=True, default_flow_style=None)] for d in data]))",
      ].join("\n");
      return JSON.parse(
        execFileSync("python3", ["-c", script], { input: JSON.stringify(yamlCases), encoding: "utf8" }),
      ) as [string, string][];
    } catch {
      return null;
    }
  })();
  if (!pyyaml)
    console.warn("jinja.test.ts: Python's PyYAML is not installed: the YAML comparison is skipped");

  it.skipIf(!pyyaml)("to_nice_yaml and to_yaml print what PyYAML prints", () => {
    yamlCases.forEach((value, i) => {
      expect(pyYamlDump(value, { indent: 4, flowLeaves: false })).toBe(pyyaml?.[i]?.[0]);
      expect(pyYamlDump(value, { indent: 2, flowLeaves: true })).toBe(pyyaml?.[i]?.[1]);
    });
  });
});

describe("the template rewriter", () => {
  it("keeps every newline, so errors point at the template's own lines", () => {
    const source = "a\n{{ x }}\n{# two\nlines #}\n{% if y %}\n{% raw %}{{ z }}\n{% endraw %}{% endif %}\n";
    const out = rewriteTemplate(source).source;
    expect(out.split("\n").length).toBe(source.split("\n").length);
  });

  it("maps custom delimiters to the standard ones and escapes literal standard ones", () => {
    const delimiters = {
      blockStart: "[%",
      blockEnd: "%]",
      variableStart: "[[",
      variableEnd: "]]",
      commentStart: "[#",
      commentEnd: "#]",
    };
    const env = new JinjaEnvironment({
      block_start_string: "[%",
      block_end_string: "%]",
      variable_start_string: "[[",
      variable_end_string: "]]",
      comment_start_string: "[#",
      comment_end_string: "#]",
    });
    expect(rewriteTemplate("[[ a ]] {{ b }}", delimiters).source).toContain("{{ '{{' }}");
    expect(env.renderNow("[[ a ]] {{ b }} {% c %} {# d #}[# gone #]", { a: 1 }, "t")).toBe(
      "1 {{ b }} {% c %} {# d #}",
    );
  });

  it("names the filters and tests a template uses, outside strings", () => {
    const { filters, tests } = rewriteTemplate(
      "{{ a | lower }}\n{% if b is odd and '|fake' %}{% filter upper %}x{% endfilter %}{% endif %}",
    );
    expect(filters).toEqual([
      { name: "lower", line: 1 },
      { name: "upper", line: 2 },
    ]);
    expect(tests).toEqual([{ name: "odd", line: 2 }]);
  });
});
