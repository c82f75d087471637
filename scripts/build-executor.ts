/**
 * Bundles the executor daemon + CLI into one ESM file, `executor/dist/orchestrator.mjs`. Hosts run
 * the bundle: no TypeScript stripping at start-up, fewer modules, less memory (see the README's
 * benchmark figures).
 *
 *   npm run build:executor
 */
import { copyFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { buildSync } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
export const executorBundle = path.join(root, "executor", "dist", "orchestrator.mjs");

const LEFT_OUT = path.join(root, "scripts", "bundle-stubs", "left-out.cjs");
let built = false;

/** Builds the bundle once per process (about 0.2 s). */
export function buildExecutor(): string {
  if (built) return executorBundle;
  buildSync({
    entryPoints: [path.join(root, "executor", "src", "cli.ts")],
    outfile: executorBundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    minify: true,
    sourcemap: "linked",
    // Bundled CommonJS dependencies (pino, ws) still call require().
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    // dockerode's docker-modem loads ssh2 (for ssh:// engines) and dockerode loads gRPC (for build
    // sessions) up front: ~650 KB of bundle the executor never runs, some 5 MB of daemon RSS.
    alias: Object.fromEntries(
      ["ssh2", "@grpc/grpc-js", "@grpc/proto-loader"].map((name) => [name, LEFT_OUT]),
    ),
    logLevel: "warning",
  });
  // The Jinja renderers are loaded from beside the bundle: MiniJinja's WebAssembly module and
  // the Jinja2 worker's script.
  const wasm = createRequire(import.meta.url).resolve("minijinja-js/dist/web/minijinja_js_bg.wasm");
  const worker = path.join(root, "executor/src/scaffold/jinja/jinja2_worker.py");
  for (const file of [wasm, worker])
    copyFileSync(file, path.join(path.dirname(executorBundle), path.basename(file)));
  built = true;
  return executorBundle;
}

if (import.meta.main) console.log(`built ${path.relative(root, buildExecutor())}`);
