/** The ExecutorHub's timings (tests shorten them). */
import { defineSettings, positiveInt, setting } from "./define.ts";

export const hubSettings = defineSettings("Executor hub", {
  HUB_HEARTBEAT_MS: setting(positiveInt, {
    default: 10_000,
    doc: "How often executors send a heartbeat, in ms (told to them in `welcome`).",
  }),
  HUB_LEASE_MS: setting(positiveInt, {
    default: 45_000,
    doc: "A running job's lease, in ms: an executor silent this long loses its jobs, which are requeued.",
  }),
  JOB_MAX_ATTEMPTS: setting(positiveInt, {
    default: 3,
    doc: "Attempts of one job (a lost lease or a handed-back job counts) before it is `lost`.",
  }),
  JOB_DEFAULT_TIMEOUT_MS: setting(positiveInt, {
    default: 30 * 60_000,
    doc: "A job's deadline when its submitter gives none, in ms.",
  }),
  HUB_PREFER_WAIT_MS: setting(positiveInt, {
    default: 10 * 60_000,
    doc: "How long a job waits for the executor it prefers (an earlier job's workspace is there) while that one is busy, in ms.",
  }),
});
