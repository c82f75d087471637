/**
 * `http_watch`: an executor checks a deployed service's health URL every `intervalMs` for
 * `durationMs`, and reports once, when it ends: at the end of its time with the checks' counts
 * and latencies (a monitor's quiet hour costs the control plane one job, not one per check), or
 * at once when `threshold` checks in a row failed (re-checked every `confirmMs` after a failure),
 * with those checks as evidence. `durationMs: 0` reports the first healthy check (after a deploy).
 */
import { z } from "zod";
import { HTTP_CHECK_EXCERPT_CHARS, ProxyRoute, TlsCertificate } from "./http-check.ts";

/** The longest watch (a day): a longer MONITOR_WATCH_S is cut to it. */
export const WATCH_MAX_MS = 86_400_000;

export const HttpWatchSpec = z.strictObject({
  url: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .describe("the health URL"),
  ...ProxyRoute,
  intervalMs: z.number().int().min(250).max(86_400_000).describe("time between healthy checks"),
  confirmMs: z.number().int().min(100).max(86_400_000).describe("time between checks after a failure"),
  /** Each check's own timeout: past it, the check counts as no answer. */
  timeoutMs: z.number().int().min(100).max(60_000).default(5000),
  threshold: z.number().int().min(1).max(20).describe("failed checks in a row that end the watch"),
  durationMs: z.number().int().min(0).max(WATCH_MAX_MS).describe("how long to watch before reporting"),
  firstCheckInMs: z
    .number()
    .int()
    .min(0)
    .max(WATCH_MAX_MS)
    .default(0)
    .describe("the wait before the first check: what is left of the interval since the last one"),
});
export type HttpWatchSpec = z.infer<typeof HttpWatchSpec>;

/** Latencies a day's aggregate keeps (a day of checks a minute apart). */
export const WATCH_DAY_SAMPLES = 1440;

/** One check as a watch reports it. */
export const WatchedCheck = z.strictObject({
  at: z.iso.datetime(),
  /** The HTTP status; null when nothing answered. */
  status: z.number().int().min(100).max(599).nullable(),
  /** Why nothing answered; null when something did. */
  error: z.string().max(500).nullable(),
  latencyMs: z.number().nonnegative(),
  /** The body's start, kept only for a failed check. */
  excerpt: z.string().max(HTTP_CHECK_EXCERPT_CHARS),
  /** HTTPS through a proxy route: the certificate it presented. */
  certificate: TlsCertificate.nullable().optional(),
});
export type WatchedCheck = z.infer<typeof WatchedCheck>;

/** The checks of one UTC day. */
export const WatchedDay = z.strictObject({
  day: z.iso.date(),
  checks: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  /** Latencies in whole ms, the newest WATCH_DAY_SAMPLES. */
  latencies: z.array(z.number().int().nonnegative()).max(WATCH_DAY_SAMPLES),
});
export type WatchedDay = z.infer<typeof WatchedDay>;

export const HttpWatchResult = z.strictObject({
  /** `failing`: `threshold` checks in a row failed; `elapsed`: its time is up (or the executor drains). */
  ended: z.enum(["failing", "elapsed"]),
  checks: z.number().int().nonnegative(),
  /** The checks per day, oldest first (a watch crosses midnight at most once a day). */
  days: z.array(WatchedDay).max(3),
  last: WatchedCheck.nullable(),
  /** The failed checks in a row it ended on, oldest first (fewer than `threshold` when elapsed). */
  failures: z.array(WatchedCheck).max(20),
});
export type HttpWatchResult = z.infer<typeof HttpWatchResult>;

/** What counts as healthy, for a check and a watch alike: a 2xx answer. */
export const healthyStatus = (status: number | null) => status !== null && status >= 200 && status < 300;
