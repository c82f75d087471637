/** Monitors: how deployed services are checked, when an outage opens an incident, how often the policy acts. */
import { defineSettings, flag, positiveInt, setting } from "./define.ts";

export const monitorSettings = defineSettings("Monitors", {
  MONITORS: setting(flag, {
    default: true,
    doc: "`false`: deployed services are not checked (no incidents, no automatic recovery).",
  }),
  MONITOR_MIN_INTERVAL_S: setting(positiveInt, {
    default: 30,
    doc: "The shortest check interval a project may set (its `monitorIntervalS`, default 60 s).",
  }),
  MONITOR_WATCH_S: setting(positiveInt, {
    default: 3600,
    doc: "How long an executor watches a healthy service (an `http_watch` job checking it every interval) before it reports its checks and the next watch starts (a day at most); failures are reported at once.",
  }),
  MONITOR_FAILURE_THRESHOLD: setting(positiveInt, {
    default: 3,
    doc: "Consecutive failed checks that open an incident (after a first failure the next checks come at a quarter of the interval, so an outage is found within 1.5 intervals and a report's trip).",
  }),
  MONITOR_MAX_ATTEMPTS: setting(positiveInt, {
    default: 3,
    doc: "Automatic recovery attempts (restarts, rollbacks, agent runs) a project's policy makes within MONITOR_ATTEMPT_WINDOW_S; then it stops and asks the owner.",
  }),
  MONITOR_ATTEMPT_WINDOW_S: setting(positiveInt, {
    default: 3600,
    doc: "The window MONITOR_MAX_ATTEMPTS counts in, in seconds.",
  }),
});
