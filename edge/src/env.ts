import type { Allocator } from "./allocator/allocator.ts";

/** The Worker's bindings (see wrangler.toml) and secrets (see .dev.vars.example). */
export interface Env {
  DB: D1Database;
  ALLOCATOR: DurableObjectNamespace<Allocator>;
  /** Bootstrap admin bearer key. Unset or shorter than 24 characters: no bootstrap key. */
  ADMIN_API_KEY?: string;
  /** Keyring for secrets at rest: "<base64>" or "2:<base64>,1:<base64>" (current first). */
  SECRETS_KEY?: string;
  MAX_BODY_BYTES?: string;
}
