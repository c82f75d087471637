/**
 * What renders a template's Jinja: Python's Jinja2 in a worker process where the host has it (the
 * engine Copier itself runs, so every construct renders as Copier renders it), else MiniJinja
 * compiled to WebAssembly (environment.ts; its known differences are in docs/scaffolding.md).
 */
import { ScaffoldError } from "../errors.ts";
import { JinjaEnvironment } from "./environment.ts";
import { checkEnvops } from "./envops.ts";
import { Jinja2Renderer, type StartedWorker } from "./jinja2-worker.ts";
import type { TemplateRenderer } from "./template-renderer.ts";

export type { TemplateRenderer };

/** `auto`: Jinja2 where the host has it, else MiniJinja. */
export type RendererChoice = "auto" | "jinja2" | "minijinja";

/** A renderer for the templates under `root` (where includes and imports resolve). */
export async function openRenderer(
  root: string | null,
  envops: Record<string, unknown> = {},
  options: {
    choice?: RendererChoice;
    cacheDir?: string;
    started?: StartedWorker;
    extensions?: string[];
  } = {},
): Promise<TemplateRenderer> {
  checkEnvops(envops);
  const choice = options.choice ?? "auto";
  const extensions = options.extensions ?? [];
  // Jinja extensions are Python: only the Jinja2 worker loads them.
  const needsJinja2 = choice === "jinja2" || extensions.length > 0;
  const unavailable = extensions.length
    ? `the template loads Jinja extensions (${extensions.join(", ")}), which only Python's Jinja2 (the Debian package python3-jinja2) or the copier engine can run`
    : "Python's Jinja2 is not available on this host (install the Debian packages python3-jinja2 and python3-yaml)";
  if (choice === "minijinja" && extensions.length) throw new ScaffoldError("engine_unavailable", unavailable);
  if (choice !== "minijinja") {
    const jinja2 = await Jinja2Renderer.open(root, envops, {
      cacheDir: options.cacheDir,
      started: options.started,
      extensions,
    });
    if (jinja2) return jinja2;
    if (needsJinja2) throw new ScaffoldError("engine_unavailable", unavailable);
  }
  return new JinjaEnvironment(envops, root);
}
