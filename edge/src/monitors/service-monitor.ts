/**
 * `ServiceMonitor`: one Durable Object per deployed project (named by the project's id). While the
 * service is healthy an executor watches it (one `http_watch` job: a GET every interval for
 * MONITOR_WATCH_S, reported once, or at once when checks fail), so a quiet hour costs the control
 * plane one job; while it is failing the monitor checks it itself, one `http_check` job per alarm,
 * until it is healthy again. The alarm is the schedule (and the watch's watchdog): nothing is
 * held in memory, and a restarted Worker goes on where the stored alarm says. The hub calls
 * `jobFinished` when a job it submitted ends (a watch, a check, a recovery step, the read of the
 * service's logs); reports.ts judges the checks, recovery.ts acts; a fix run it started
 * (fix-run.ts) is looked up in D1 at each alarm. Events are handled one at a time.
 *
 *   await env.SERVICE_MONITOR.getByName(projectId).watch(target);  // after a healthy deploy
 */

import { DurableObject } from "cloudflare:workers";
import { AnsibleResult, HttpCheckResult, HttpWatchResult } from "@codegen-orchestrator/shared";
import type { z } from "zod";
import { database } from "../db/client.ts";
import { addIncidentLogs, resolveIncident } from "../domain/incidents.ts";
import { monitoredProject } from "../domain/pipeline-projects.ts";
import { projectSecretMasker } from "../domain/secret-masking.ts";
import type { Env } from "../env.ts";
import { executorHub } from "../executors/hub.ts";
import type { JobEndPayload } from "../executors/job-events.ts";
import { resultAs } from "../executors/views.ts";
import { monitorSettings } from "../settings/monitors.ts";
import { fixProgress, logsRead, startFix } from "./fix-run.ts";
import { emptyDay } from "./history.ts";
import type { MonitorContext } from "./incident-log.ts";
import { checkJob, EVIDENCE_LINES, restOfInterval, watchJob } from "./jobs.ts";
import { type JudgeConfig, NO_HEALTH } from "./judge.ts";
import type { OwnerAction } from "./messages.ts";
import { loadState, type MonitorState, quiet, saveState, type WatchTarget } from "./monitor-state.ts";
import { mute, policyMoves, recoveryEnded, startRecovery } from "./recovery.ts";
import { checkReported, watchReported } from "./reports.ts";

/** The first check after a deploy while failing: soon, the deploy's own health check has just passed. */
const FIRST_CHECK_MS = 1_000;
/** How long past a watch's deadline its report may take before the monitor starts another. */
const WATCH_OVERDUE_MS = 60_000;

export class ServiceMonitor extends DurableObject<Env> {
  #serial: Promise<unknown> = Promise.resolve();

  /** Runs `work` after every earlier event's work has ended. */
  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(work, work);
    this.#serial = run.catch(() => {});
    return run;
  }

  /** Watches a deployment (a new one replaces the one before; an open incident stays open). */
  async watch(target: WatchTarget): Promise<void> {
    await this.#serially(async () => {
      const storage = this.ctx.storage;
      const existing = await loadState(storage);
      const now = Date.now();
      const state: MonitorState = existing
        ? // A check of the deployment before is ignored when it ends.
          { ...existing, target, check: null }
        : {
            target,
            seq: 0,
            checks: 0,
            last: null,
            check: null,
            logs: null,
            health: NO_HEALTH,
            day: emptyDay(now),
            message: null,
          };
      // The first watch reports the first healthy check: the owner sees it at once.
      if (quiet(state)) await this.#startWatch(state, true);
      else {
        await this.#stopWatch(state);
        await storage.setAlarm(now + FIRST_CHECK_MS);
      }
      await saveState(storage, state);
    });
  }

  /** The project's new check interval, from the next check on (nothing when nothing is watched). */
  async setInterval(intervalS: number): Promise<void> {
    await this.#serially(async () => {
      const state = await loadState(this.ctx.storage);
      if (!state) return;
      state.target = { ...state.target, intervalS };
      if (state.watch) await this.#startWatch(state);
      else await this.#alarmBy(Date.now() + intervalS * 1000);
      await saveState(this.ctx.storage, state);
    });
  }

  /** Stops watching (the project is deleted or undeployed): its open incident is closed. */
  async unwatch(): Promise<void> {
    await this.#serially(async () => {
      const state = await loadState(this.ctx.storage);
      const incident = state?.health.incident;
      if (incident) await resolveIncident(database(this.env.DB), incident.id, Date.now());
      if (state) await this.#stopWatch(state);
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
    });
  }

  override async alarm(): Promise<void> {
    await this.#serially(async () => {
      const state = await loadState(this.ctx.storage);
      if (!state || !monitorSettings.read(this.env).MONITORS) return;
      // A fix run in progress is looked up in D1: when it ended, the policy may move on.
      if (state.fix?.runId) {
        const ctx = await this.#context(state);
        if (await fixProgress(ctx)) await policyMoves(ctx);
        await saveState(this.ctx.storage, state);
      }
      const now = Date.now();
      const hub = executorHub(this.env);
      if (quiet(state)) {
        // The watch's watchdog: a watch neither reported nor failed (its report lost) is replaced.
        if (state.watch && now < state.watch.overdueAt) await this.#watchAlarm(state, state.watch.overdueAt);
        else await this.#startWatch(state);
        await saveState(this.ctx.storage, state);
        return;
      }
      const intervalMs = state.target.intervalS * 1000;
      // A check still running (no executor took it yet, say) is waited for up to two intervals.
      if (state.check && now - state.check.at < Math.max(2 * intervalMs, 60_000)) {
        await this.ctx.storage.setAlarm(now + intervalMs);
        return;
      }
      if (state.check) await hub.cancel(state.check.jobId);
      const record = await hub.submit(checkJob(state.target, state.seq));
      state.check = { jobId: record.job.id, at: now };
      state.seq++;
      await saveState(this.ctx.storage, state);
      await this.ctx.storage.setAlarm(now + this.#delayMs(state));
    });
  }

  /** The hub: a job this monitor submitted has ended. */
  async jobFinished(event: JobEndPayload): Promise<void> {
    await this.#serially(async () => {
      const state = await loadState(this.ctx.storage);
      if (!state) return;
      const outcome = { status: event.status, result: event.result, error: event.error };
      if (state.watch?.jobId === event.jobId) await this.#watched(state, outcome);
      else if (state.check?.jobId === event.jobId) await this.#checked(state, outcome);
      else if (state.recovery?.jobId === event.jobId)
        await recoveryEnded(await this.#context(state), outcome);
      else if (state.logs?.jobId === event.jobId) await this.#logsRead(state, outcome);
      else return;
      await saveState(this.ctx.storage, state);
    });
  }

  /** The owner pressed a button under the "down" message; what the chat answers. */
  async act(action: OwnerAction): Promise<string> {
    return this.#serially(async () => {
      const state = await loadState(this.ctx.storage);
      const incident = state?.health.incident;
      if (!state || !incident) return "The service is not down: nothing to do.";
      const ctx = await this.#context(state);
      let answer: string;
      if (action === "mute") {
        await mute(ctx);
        answer = "Muted: no more automatic steps for this outage.";
      } else if (state.fix) {
        answer = state.fix.runId
          ? `The agent is fixing it already (engineering run ${state.fix.runId}).`
          : "The agent starts fixing it once the service's logs are read.";
      } else if (state.recovery) {
        answer = `A ${state.recovery.kind} is running already.`;
      } else if (action === "agent") {
        answer = (await startFix(ctx, "owner")).answer;
      } else {
        await startRecovery(ctx, action, "owner");
        answer = action === "restart" ? "Restarting…" : "Rolling back…";
      }
      await saveState(this.ctx.storage, state);
      return answer;
    });
  }

  /** What the monitor knows now (the API's and the console's view). */
  async view(): Promise<MonitorState | null> {
    return (await loadState(this.ctx.storage)) ?? null;
  }

  async #checked(state: MonitorState, outcome: { status: string; result: string | null }): Promise<void> {
    state.check = null;
    const parsed = this.#resultOf(HttpCheckResult, outcome);
    // A check that did not run (no executor, a lost job) says nothing about the service.
    if (!parsed) return;
    await checkReported(state, parsed, (withPolicy) => this.#context(state, withPolicy));
    await this.#next(state);
  }

  async #watched(state: MonitorState, outcome: { status: string; result: string | null }): Promise<void> {
    state.watch = null;
    const parsed = this.#resultOf(HttpWatchResult, outcome);
    // A watch that did not run: the alarm starts another one interval later.
    if (!parsed) return this.#alarmBy(Date.now() + state.target.intervalS * 1000);
    await watchReported(state, parsed, (withPolicy) => this.#context(state, withPolicy));
    await this.#next(state);
  }

  /** After a report: a healthy service is watched again; a failing one is checked again, sooner. */
  async #next(state: MonitorState): Promise<void> {
    if (quiet(state)) await this.#startWatch(state);
    else await this.#alarmBy(Date.now() + this.#delayMs(state));
  }

  /** A job's result when it succeeded with one of `schema`'s shape; null otherwise. */
  #resultOf<T>(schema: z.ZodType<T>, outcome: { status: string; result: string | null }): T | null {
    return outcome.status === "succeeded" ? resultAs(schema, outcome.result) : null;
  }

  /**
   * A new watch (the one in flight, if any, cancelled), its watchdog the alarm. The first after a
   * deploy reports its first healthy check at once; the others watch for MONITOR_WATCH_S.
   */
  async #startWatch(state: MonitorState, firstWatch = false) {
    await this.#stopWatch(state);
    if (state.check) await executorHub(this.env).cancel(state.check.jobId);
    state.check = null;
    const settings = monitorSettings.read(this.env);
    const durationMs = firstWatch ? 0 : settings.MONITOR_WATCH_S * 1000;
    const threshold = settings.MONITOR_FAILURE_THRESHOLD;
    const now = Date.now();
    // After a deploy at once; else the interval since the last check goes on.
    const firstCheckInMs = firstWatch ? 0 : restOfInterval(state.target, state.last?.at, now);
    const job = watchJob(state.target, state.seq, { durationMs, firstCheckInMs, threshold });
    const record = await executorHub(this.env).submit(job);
    state.watch = { jobId: record.job.id, at: now, overdueAt: now + (job.timeoutMs ?? 0) + WATCH_OVERDUE_MS };
    state.seq++;
    await this.#watchAlarm(state, state.watch.overdueAt);
  }

  /** While watching, the alarm is the watchdog; and every interval while a fix run is looked up. */
  async #watchAlarm(state: MonitorState, overdueAt: number): Promise<void> {
    const fixing = Boolean(state.fix?.runId);
    const at = fixing ? Math.min(overdueAt, Date.now() + state.target.intervalS * 1000) : overdueAt;
    await this.ctx.storage.setAlarm(at);
  }

  async #stopWatch(state: MonitorState): Promise<void> {
    if (state.watch) await executorHub(this.env).cancel(state.watch.jobId);
    state.watch = null;
  }

  /** The next alarm at `at` at the latest (one due sooner stays). */
  async #alarmBy(at: number): Promise<void> {
    const scheduled = await this.ctx.storage.getAlarm();
    if (scheduled === null || scheduled > at) await this.ctx.storage.setAlarm(at);
  }

  async #logsRead(state: MonitorState, outcome: { status: string; result: string | null }): Promise<void> {
    const incidentId = state.logs?.incidentId;
    state.logs = null;
    const text = this.#resultOf(AnsibleResult, outcome)?.logs?.text;
    if (incidentId && text !== undefined) {
      const db = database(this.env.DB);
      const mask = await projectSecretMasker(this.env, db, state.target.projectId);
      const lines = mask(text)
        .split("\n")
        .filter((line) => line !== "")
        .slice(-EVIDENCE_LINES);
      await addIncidentLogs(db, incidentId, lines);
    }
    // A fix run waiting for the evidence's log lines starts now (without them if they could not be read).
    if (state.fix && !state.fix.runId) {
      const ctx = await this.#context(state);
      if (await logsRead(ctx)) await policyMoves(ctx);
    }
  }

  /** Interval, or a quarter of it while failed checks have not yet opened an incident. */
  #delayMs(state: MonitorState): number {
    const intervalMs = state.target.intervalS * 1000;
    const confirming = state.health.failures.length > 0 && !state.health.incident;
    return confirming ? Math.max(1_000, Math.round(intervalMs / 4)) : intervalMs;
  }

  async #context(state: MonitorState, withPolicy = true): Promise<MonitorContext> {
    const db = database(this.env.DB);
    const settings = monitorSettings.read(this.env);
    const project = withPolicy ? await monitoredProject(db, state.target.projectId) : undefined;
    const config: JudgeConfig = {
      threshold: settings.MONITOR_FAILURE_THRESHOLD,
      maxAttempts: settings.MONITOR_MAX_ATTEMPTS,
      attemptWindowMs: settings.MONITOR_ATTEMPT_WINDOW_S * 1000,
      policy: project?.policy ?? [],
    };
    // The project read for the policy serves every step of this event (projectOf).
    return {
      env: this.env,
      db,
      state,
      config,
      now: Date.now(),
      ...(project === undefined ? {} : { project }),
    };
  }
}
