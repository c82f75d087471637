/**
 * The Worker's environment: its bindings, generated from wrangler.toml by `wrangler types` into
 * edge/worker-configuration.d.ts (`npm run types`; `npm test` fails when it drifts), and its
 * settings, each an optional string declared in edge/src/settings/ (docs/settings.md). Nothing
 * here imports a module of the Worker beyond the settings' declarations.
 */
import type { SettingName } from "./settings/index.ts";

/** The Worker's settings as the runtime hands them over: vars and secrets, each a string or unset. */
export type EnvVars = { readonly [Name in SettingName]?: string };

declare global {
  namespace Cloudflare {
    // The settings join the generated bindings in the one global type, which the `agents` SDK and
    // the test runtime read too.
    interface Env extends EnvVars {}
  }
}

export type Env = Cloudflare.Env;

/**
 * The names of the Worker's Cloudflare Workflows bindings (`[[workflows]]` in wrangler.toml); the
 * Worker's typecheck holds them to the generated bindings (`env[name]` must be a Workflow).
 */
export type WorkflowBinding = "ENGINEERING_WORKFLOW" | "DEVOPS_WORKFLOW" | "TEMPLATE_CHECK_WORKFLOW";
