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
  options: { choice?: RendererChoice; cacheDir?: string; started?: StartedWorker } = {},
): Promise<TemplateRenderer> {
  checkEnvops(envops);
  const choice = options.choice ?? "auto";
  if (choice !== "minijinja") {
    const jinja2 = await Jinja2Renderer.open(root, envops, {
      cacheDir: options.cacheDir,
      started: options.started,
    });
    if (jinja2) return jinja2;
    if (choice === "jinja2") {
      throw new ScaffoldError(
        "engine_unavailable",
        "Python's Jinja2 is not available on this host (install the Debian packages python3-jinja2 and python3-yaml)",
      );
    }
  }
  return new JinjaEnvironment(envops, root);
}
