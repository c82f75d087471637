// The test runtime's `env`: the Worker's (edge/worker-configuration.d.ts) plus the migrations the
// vitest config reads from migrations/.
import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
