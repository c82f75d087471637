/**
 * Python's Jinja2 as the renderer, where the host has it (Debian `python3-jinja2` and
 * `python3-yaml`): one worker process per scaffold (`jinja2_worker.py`), spoken to in JSON lines.
 * It renders as Copier renders, because it is Copier's own engine: includes, imports and
 * `extends` through a loader rooted at the template's root, Python's values (`16.0`, `None`,
 * insertion-ordered dicts), `%` and `str.format`. MiniJinja (environment.ts) is the fallback.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ScaffoldError } from "../errors.ts";
import { type Delimiters, delimitersOf } from "./syntax.ts";
import type { TemplateRenderer } from "./template-renderer.ts";

export const WORKER_FILE = "jinja2_worker.py";
/** The Python Debian's python3-jinja2 and python3-yaml are installed for. */
const DEBIAN_PYTHON = "/usr/bin/python3";

/** A render that takes longer is a template looping forever: the worker is stopped. */
const RENDER_TIMEOUT_MS = 60_000;
/** Python's start with Jinja2 and PyYAML imported takes some 100 ms; a host this slow falls back. */
const START_TIMEOUT_MS = 15_000;

interface Pending {
  resolve: (output: string) => void;
  reject: (error: Error) => void;
  origin: string;
  timer: NodeJS.Timeout;
}

interface WorkerAnswer {
  id?: number;
  ready?: string;
  /** Instead of `ready`: the template's extensions could not be loaded, and why. */
  refused?: string;
  output?: string;
  error?: { message: string; file?: string; line?: number };
}

/**
 * The directory of compiled templates for these `_envops` (they change what a source compiles
 * to), the executor's alone: the worker loads what is there as code.
 */
async function compiledCache(cacheDir: string, envops: Record<string, unknown>): Promise<string> {
  const key = createHash("sha256").update(JSON.stringify(envops)).digest("hex").slice(0, 16);
  const dir = path.join(cacheDir, key);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(cacheDir, 0o700);
  return dir;
}

/** The worker script: beside the bundle (the built executor), else beside this file. */
function workerScript(): string {
  return fileURLToPath(new URL(WORKER_FILE, import.meta.url));
}

/** A worker process started before its template is known: it imports Jinja2 until `open` gives it one. */
export interface StartedWorker {
  child: ChildProcessWithoutNullStreams;
  lines: Interface;
  /** It could not start, or has ended. */
  readonly gone: boolean;
  /** Ends it unless it has ended (a renderer given it ends it on close too). */
  kill(): void;
}

/** Starts a worker, to be given to `Jinja2Renderer.open`; null without the worker script. */
export function startJinja2Worker(pythonPath?: string): StartedWorker | null {
  const python =
    pythonPath ?? process.env.CO_JINJA2_PYTHON ?? (existsSync(DEBIAN_PYTHON) ? DEBIAN_PYTHON : "python3");
  const script = workerScript();
  if (!existsSync(script)) return null;
  // No environment of the executor's (its token) reaches the template's renderer.
  // -I: no PYTHON* variable, user site or working directory on the import path.
  const child = spawn(python, ["-I", script], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", PYTHONDONTWRITEBYTECODE: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  // A worker that died makes writes fail (EPIPE): its exit says why, the stream must not throw.
  child.stdin.on("error", () => {});
  let gone = false;
  // Listened to from the start: a python3 that is not there must not be an unhandled error.
  child.once("error", () => {
    gone = true;
  });
  child.once("exit", () => {
    gone = true;
  });
  return {
    child,
    lines: createInterface({ input: child.stdout }),
    get gone() {
      return gone;
    },
    kill: () => {
      if (!gone) child.kill("SIGKILL");
    },
  };
}

export class Jinja2Renderer implements TemplateRenderer {
  readonly name: string;
  readonly delimiters: Delimiters;
  readonly floats = new Set<string>();
  #child: ChildProcessWithoutNullStreams;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #stopped: string | null = null;

  #renderTimeoutMs: number;

  private constructor(
    child: ChildProcessWithoutNullStreams,
    version: string,
    delimiters: Delimiters,
    renderTimeoutMs = RENDER_TIMEOUT_MS,
  ) {
    this.#child = child;
    this.#renderTimeoutMs = renderTimeoutMs;
    this.name = `jinja2 ${version}`;
    this.delimiters = delimiters;
  }

  /**
   * A worker for templates under `root` (includes resolve there), or null when this host cannot
   * run one (no python3, no Jinja2 or PyYAML): the caller falls back to MiniJinja. `started`: a
   * process `startJinja2Worker` began (Python's imports under way while the caller did other work).
   */
  static async open(
    root: string | null,
    envops: Record<string, unknown>,
    options: {
      python?: string;
      renderTimeoutMs?: number;
      cacheDir?: string;
      started?: StartedWorker;
      /** The template's `_jinja_extensions` (import names), loaded by the worker. */
      extensions?: string[];
    } = {},
  ): Promise<Jinja2Renderer | null> {
    const worker = options.started ?? startJinja2Worker(options.python);
    if (!worker) return null;
    const extensions = options.extensions ?? [];
    // Compiled templates depend on the extensions too.
    const cacheKey = extensions.length ? { ...envops, "(extensions)": extensions } : envops;
    const cache = options.cacheDir ? await compiledCache(options.cacheDir, cacheKey) : null;
    let refused: string | null = null;
    const { child, lines } = worker;
    const ready = await new Promise<string | null>((resolve) => {
      const settle = (version: string | null) => {
        clearTimeout(timer);
        resolve(version);
      };
      const timer = setTimeout(() => settle(null), START_TIMEOUT_MS);
      if (worker.gone) return settle(null);
      child.once("error", () => settle(null));
      child.once("exit", () => settle(null));
      lines.once("line", (line) => {
        try {
          const answer = JSON.parse(line) as WorkerAnswer;
          refused = answer.refused ?? null;
          settle(answer.ready ?? null);
        } catch {
          settle(null);
        }
      });
      child.stdin.write(`${JSON.stringify({ root, envops, cache, extensions })}\n`);
    });
    if (!ready) {
      child.kill("SIGKILL");
      // The host has Jinja2, but the template's extensions cannot be loaded: that is the template's problem.
      if (refused) throw new ScaffoldError("invalid_template", refused);
      return null;
    }
    const renderer = new Jinja2Renderer(child, ready, delimitersOf(envops), options.renderTimeoutMs);
    lines.on("line", (line) => renderer.#answered(line));
    child.once("exit", (code, signal) => renderer.#stop(`the Jinja2 worker exited (${signal ?? code})`));
    child.stderr.resume();
    return renderer;
  }

  render(source: string, context: Record<string, unknown>, origin: string): Promise<string> {
    if (this.#stopped)
      return Promise.reject(new ScaffoldError("template_error", this.#stopped, { file: origin }));
    const id = this.#nextId++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#stop(`rendering took longer than ${this.#renderTimeoutMs / 1000} s: the template loops`);
      }, this.#renderTimeoutMs);
      this.#pending.set(id, { resolve, reject, origin, timer });
      this.#child.stdin.write(`${JSON.stringify({ id, source, context, floats: [...this.floats] })}\n`);
    });
  }

  close(): void {
    this.#stop("the renderer is closed");
  }

  #answered(line: string): void {
    let answer: WorkerAnswer;
    try {
      answer = JSON.parse(line) as WorkerAnswer;
    } catch {
      return;
    }
    const pending = answer.id === undefined ? undefined : this.#pending.get(answer.id);
    if (!pending || answer.id === undefined) return;
    this.#pending.delete(answer.id);
    clearTimeout(pending.timer);
    if (answer.error) {
      const { message, file, line: at } = answer.error;
      pending.reject(
        new ScaffoldError("template_error", message, {
          file: file ?? pending.origin,
          ...(at ? { line: at } : {}),
        }),
      );
    } else pending.resolve(answer.output ?? "");
  }

  /** Fails what is pending (and all later renders) with `reason`, and ends the worker. */
  #stop(reason: string): void {
    if (this.#stopped) return;
    this.#stopped = reason;
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new ScaffoldError("template_error", reason, { file: pending.origin }));
      this.#pending.delete(id);
    }
    this.#child.stdin.end();
    this.#child.kill("SIGKILL");
  }
}
