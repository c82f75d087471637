/**
 * A Jinja environment configured like Copier's (keep_trailing_newline, lenient undefined, no
 * autoescape) over MiniJinja, with the filters Copier templates expect: the renderer where the
 * host has no Python Jinja2 (renderer.ts). Errors come out as `ScaffoldError`s naming the template
 * file and line.
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { ScaffoldError } from "../errors.ts";
import { checkEnvops } from "./envops.ts";
import { extraFilters, extraGlobals, extraTests } from "./filters.ts";
import { pyDisplay } from "./python.ts";
import { type Delimiters, DISPLAY_FILTER, delimitersOf, rewriteTemplate, SyntaxScanError } from "./syntax.ts";
import { type MiniJinja, newMiniJinja } from "./wasm.ts";

/** Jinja2's built-in filters and tests, all of which MiniJinja or `filters.ts` provide. */
const JINJA_FILTERS =
  "abs attr batch capitalize center count d default dictsort e escape filesizeformat first float forceescape format groupby indent int items join last length list lower map max min pprint random reject rejectattr replace reverse round safe select selectattr slice sort string striptags sum title tojson trim truncate unique upper urlencode urlize wordcount wordwrap xmlattr";
const JINJA_TESTS =
  "boolean callable defined divisibleby eq equalto escaped even false filter float ge greaterthan gt in integer iterable le lessthan lower lt mapping ne none number odd sameas sequence string test true undefined upper";

/** The `_envops` this engine reads. */
interface EnvOptions {
  keep_trailing_newline?: boolean;
  trim_blocks?: boolean;
  lstrip_blocks?: boolean;
}

/** `{% include "x" %}`, `{% import 'x' as m %}`, `{% from "x" import y %}`, `{% extends "x" %}`. */
const REFERENCE = /\{%[-+]?\s*(?:include|import|from|extends)\s+["']([^"'\n]+)["']/g;

/** `name` under `root`, when it is a file there and leads (through links) nowhere outside. */
function insideRoot(root: string, name: string): string | null {
  const file = path.resolve(root, name);
  if (!existsSync(file)) return null;
  const real = realpathSync(file);
  return real.startsWith(`${root}${path.sep}`) && statSync(real).isFile() ? real : null;
}

/** A render budget: a template looping forever fails instead of hanging the executor. */
const FUEL = 50_000_000;

export class JinjaEnvironment {
  #engine: MiniJinja;
  #delimiters: Delimiters;
  #known: { filters: Set<string>; tests: Set<string> };
  /** A filter that threw: MiniJinja must never see a JavaScript exception, so it waits here. */
  #pending: Error | null = null;

  readonly name = "minijinja";
  /** MiniJinja has no float of integral value (`16.0` prints as `16`): see docs/scaffolding.md. */
  readonly floats = new Set<string>();

  /** Where included and imported names resolve (Copier's loader root); none: no includes. */
  #root: string | null;
  #loaded = new Set<string>();

  constructor(envops: Record<string, unknown> = {}, root: string | null = null) {
    checkEnvops(envops);
    this.#root = root === null ? null : realpathSync(root);
    const ops = envops as EnvOptions;
    this.#delimiters = delimitersOf(envops);
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
  async render(source: string, context: Record<string, unknown>, origin: string): Promise<string> {
    return this.renderNow(source, context, origin);
  }

  close(): void {
    this.#engine.free();
  }

  /** `render`, synchronously (MiniJinja runs in this thread). */
  renderNow(source: string, context: Record<string, unknown>, origin: string): string {
    const rewritten = this.#rewrite(source, origin);
    this.#loadReferenced(rewritten);
    this.#pending = null;
    let output: string;
    try {
      output = this.#engine.renderStr(rewritten, context);
    } catch (error) {
      throw this.#templateError(error, origin);
    }
    const failure = this.#takePending();
    if (failure) throw new ScaffoldError("template_error", failure.message, { file: origin });
    return output;
  }

  /** The source rewritten for MiniJinja, its filters and tests checked. */
  #rewrite(source: string, origin: string): string {
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
          { file: origin, line: unknown.line },
        );
      }
    }
    return rewritten.source;
  }

  /**
   * The files a template includes, imports or extends by a literal name, registered under that
   * name (relative to the template's root, as Copier's loader reads it), and theirs in turn.
   */
  #loadReferenced(source: string): void {
    if (!this.#root) return;
    for (const [, name] of source.matchAll(REFERENCE)) {
      if (name === undefined || this.#loaded.has(name)) continue;
      this.#loaded.add(name);
      const file = insideRoot(this.#root, name);
      if (!file) continue;
      const rewritten = this.#rewrite(readFileSync(file, "utf8"), name);
      this.#engine.addTemplate(name, rewritten);
      this.#loadReferenced(rewritten);
    }
  }

  #takePending(): Error | null {
    const failure = this.#pending;
    this.#pending = null;
    return failure;
  }

  #templateError(error: unknown, origin: string): ScaffoldError {
    const message = error instanceof Error ? error.message : String(error);
    const first = message.split("\n")[0] ?? message;
    const located = / \(in ([^)]*):(\d+)\)$/.exec(first);
    const text = located ? first.slice(0, located.index) : first;
    const inFile = located?.[1] !== undefined && this.#loaded.has(located[1]) ? located[1] : origin;
    return new ScaffoldError("template_error", text, {
      file: inFile,
      ...(located ? { line: Number(located[2]) } : {}),
    });
  }
}
