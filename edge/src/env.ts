import type { Allocator } from "./allocator/allocator.ts";
import type { ExecutorHub } from "./executors/hub.ts";

/** The Worker's bindings (see wrangler.toml) and secrets (see .dev.vars.example). */
export interface Env {
  DB: D1Database;
  ALLOCATOR: DurableObjectNamespace<Allocator>;
  EXECUTOR_HUB: DurableObjectNamespace<ExecutorHub>;
  /** Full job logs, archived in segments by the ExecutorHub. */
  LOGS: R2Bucket;
  /** Bootstrap admin bearer key. Unset or shorter than 24 characters: no bootstrap key. */
  ADMIN_API_KEY?: string;
  /** Keyring for secrets at rest: "<base64>" or "2:<base64>,1:<base64>" (current first). */
  SECRETS_KEY?: string;
  MAX_BODY_BYTES?: string;
  /** Executor heartbeat interval and job lease, in ms (defaults 10 000 and 45 000). */
  HUB_HEARTBEAT_MS?: string;
  HUB_LEASE_MS?: string;
  JOB_MAX_ATTEMPTS?: string;
  JOB_DEFAULT_TIMEOUT_MS?: string;
}
