/**
 * A Jinja environment configured like Copier's (keep_trailing_newline, lenient undefined, no
 * autoescape) over MiniJinja, with the filters Copier templates expect. Errors come out as
 * `ScaffoldError`s naming the template file and line.
 */
import { ScaffoldError } from "../errors.ts";
import { extraFilters, extraGlobals, extraTests } from "./filters.ts";
import { pyDisplay } from "./python.ts";
import {
  type Delimiters,
  DISPLAY_FILTER,
  rewriteTemplate,
  STANDARD_DELIMITERS,
  SyntaxScanError,
} from "./syntax.ts";
import { type MiniJinja, newMiniJinja } from "./wasm.ts";

/** Jinja2's built-in filters and tests, all of which MiniJinja or `filters.ts` provide. */
const JINJA_FILTERS =
  "abs attr batch capitalize center count d default dictsort e escape filesizeformat first float forceescape format groupby indent int items join last length list lower map max min pprint random reject rejectattr replace reverse round safe select selectattr slice sort string striptags sum title tojson trim truncate unique upper urlencode urlize wordcount wordwrap xmlattr";
const JINJA_TESTS =
  "boolean callable defined divisibleby eq equalto escaped even false filter float ge greaterthan gt in integer iterable le lessthan lower lt mapping ne none number odd sameas sequence string test true undefined upper";

/** Everything `_envops` may set that this engine honours. */
export interface EnvOptions {
  keep_trailing_newline?: boolean;
  trim_blocks?: boolean;
  lstrip_blocks?: boolean;
  autoescape?: boolean;
  block_start_string?: string;
  block_end_string?: string;
  variable_start_string?: string;
  variable_end_string?: string;
  comment_start_string?: string;
  comment_end_string?: string;
}

const SUPPORTED_ENVOPS = new Set([
  "keep_trailing_newline",
  "trim_blocks",
  "lstrip_blocks",
  "autoescape",
  "block_start_string",
  "block_end_string",
  "variable_start_string",
  "variable_end_string",
  "comment_start_string",
  "comment_end_string",
  "undefined",
  "newline_sequence",
]);

/** A render budget: a template looping forever fails instead of hanging the executor. */
const FUEL = 50_000_000;

export class JinjaEnvironment {
  #engine: MiniJinja;
  #delimiters: Delimiters;
  #known: { filters: Set<string>; tests: Set<string> };
  /** A filter that threw: MiniJinja must never see a JavaScript exception, so it waits here. */
  #pending: Error | null = null;

  constructor(envops: Record<string, unknown> = {}) {
    for (const key of Object.keys(envops)) {
      if (!SUPPORTED_ENVOPS.has(key)) {
        throw new ScaffoldError("invalid_template", `_envops.${key} is not supported by the built-in engine`);
      }
    }
    if (envops.autoescape) throw new ScaffoldError("invalid_template", "_envops.autoescape is not supported");
    if (envops.undefined !== undefined && envops.undefined !== "jinja2.Undefined") {
      throw new ScaffoldError("invalid_template", `_envops.undefined: only jinja2.Undefined is supported`);
    }
    const ops = envops as EnvOptions;
    this.#delimiters = {
      blockStart: ops.block_start_string ?? STANDARD_DELIMITERS.blockStart,
      blockEnd: ops.block_end_string ?? STANDARD_DELIMITERS.blockEnd,
      variableStart: ops.variable_start_string ?? STANDARD_DELIMITERS.variableStart,
      variableEnd: ops.variable_end_string ?? STANDARD_DELIMITERS.variableEnd,
      commentStart: ops.comment_start_string ?? STANDARD_DELIMITERS.commentStart,
      commentEnd: ops.comment_end_string ?? STANDARD_DELIMITERS.commentEnd,
    };
    const engine = newMiniJinja();
    engine.enablePyCompat();
    engine.keepTrailingNewline = ops.keep_trailing_newline ?? true;
    engine.trimBlocks = ops.trim_blocks ?? false;
    engine.lstripBlocks = ops.lstrip_blocks ?? false;
    engine.undefinedBehavior = "lenient";
    engine.fuel = FUEL;
    engine.addFilter(DISPLAY_FILTER, this.#guard(DISPLAY_FILTER, pyDisplay, ""));
    for (const [name, filter] of Object.entries(extraFilters))
      engine.addFilter(name, this.#guard(name, filter, ""));
    for (const [name, test] of Object.entries(extraTests))
      engine.addTest(name, this.#guard(name, test, false));
    for (const [name, fn] of Object.entries(extraGlobals)) engine.addGlobal(name, this.#guard(name, fn, ""));
    this.#engine = engine;
    this.#known = {
      filters: new Set([...JINJA_FILTERS.split(" "), ...Object.keys(extraFilters), DISPLAY_FILTER]),
      tests: new Set([...JINJA_TESTS.split(" "), ...Object.keys(extraTests)]),
    };
  }

  get delimiters(): Delimiters {
    return this.#delimiters;
  }

  /** Wraps a JavaScript callback so that it never throws into WebAssembly (that corrupts it). */
  #guard<A extends unknown[], R>(name: string, fn: (...args: A) => R, fallback: R) {
    return (...args: A): R => {
      try {
        return fn(...args);
      } catch (error) {
        this.#pending ??= new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
        return fallback;
      }
    };
  }

  /** Renders `source` with `context`; `origin` names the file in errors. */
  render(source: string, context: Record<string, unknown>, origin: string): string {
    let rewritten: ReturnType<typeof rewriteTemplate>;
    try {
      rewritten = rewriteTemplate(source, this.#delimiters);
    } catch (error) {
      if (error instanceof SyntaxScanError) {
        throw new ScaffoldError("template_error", `syntax error: ${error.message}`, {
          file: origin,
          line: error.line,
        });
      }
      throw error;
    }
    for (const [kind, uses] of [
      ["filter", rewritten.filters],
      ["test", rewritten.tests],
    ] as const) {
      const known = kind === "filter" ? this.#known.filters : this.#known.tests;
      const unknown = uses.find((use) => !known.has(use.name));
      if (unknown) {
        throw new ScaffoldError(
          "template_error",
          `unknown ${kind} \`${unknown.name}\` (see the supported list in docs)`,
          {
            file: origin,
            line: unknown.line,
          },
        );
      }
    }
    this.#pending = null;
    let output: string;
    try {
      output = this.#engine.renderStr(rewritten.source, context);
    } catch (error) {
      throw this.#templateError(error, origin);
    }
    const failure = this.#takePending();
    if (failure) throw new ScaffoldError("template_error", failure.message, { file: origin });
    return output;
  }

  #takePending(): Error | null {
    const failure = this.#pending;
    this.#pending = null;
    return failure;
  }

  #templateError(error: unknown, origin: string): ScaffoldError {
    const message = error instanceof Error ? error.message : String(error);
    const first = message.split("\n")[0] ?? message;
    const located = / \(in [^)]*:(\d+)\)$/.exec(first);
    const text = located ? first.slice(0, located.index) : first;
    return new ScaffoldError("template_error", text, {
      file: origin,
      ...(located ? { line: Number(located[1]) } : {}),
    });
  }
}
