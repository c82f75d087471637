/** `_envops`: what the built-in engine honours, checked before any renderer starts. */
import { ScaffoldError } from "../errors.ts";

/** The `_envops` the built-in engine honours (any other is a template it cannot render as Copier would). */
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

export function checkEnvops(envops: Record<string, unknown>): void {
  for (const key of Object.keys(envops)) {
    if (!SUPPORTED_ENVOPS.has(key)) {
      throw new ScaffoldError("invalid_template", `_envops.${key} is not supported by the built-in engine`);
    }
  }
  if (envops.autoescape) throw new ScaffoldError("invalid_template", "_envops.autoescape is not supported");
  if (envops.undefined !== undefined && envops.undefined !== "jinja2.Undefined") {
    throw new ScaffoldError("invalid_template", `_envops.undefined: only jinja2.Undefined is supported`);
  }
}
