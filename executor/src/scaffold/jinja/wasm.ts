/**
 * Loads MiniJinja (Jinja2's Rust reimplementation by Jinja's author, compiled to WebAssembly) once
 * per process. The bundled executor ships the `.wasm` beside `orchestrator.mjs`; from source it
 * comes from the package.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Environment, initSync } from "minijinja-js/dist/web/minijinja_js.js";

export const WASM_FILE = "minijinja_js_bg.wasm";

let loaded = false;

function wasmBytes(): Buffer {
  const beside = fileURLToPath(new URL(WASM_FILE, import.meta.url));
  if (existsSync(beside)) return readFileSync(beside);
  return readFileSync(createRequire(import.meta.url).resolve(`minijinja-js/dist/web/${WASM_FILE}`));
}

/** A fresh MiniJinja environment; the module is compiled on first use (about 20 ms). */
export function newMiniJinja(): Environment {
  if (!loaded) {
    initSync({ module: wasmBytes() });
    loaded = true;
  }
  return new Environment();
}

export type { Environment as MiniJinja };
