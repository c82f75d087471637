/**
 * `ServiceMonitor`: one Durable Object per deployed project (named by the project's id). Its
 * alarm is the schedule: each alarm submits one `http_check` job to the hub and sets the next
 * alarm, so nothing is held in memory between checks and a restarted Worker goes on where the
 * stored alarm says. The hub calls `jobFinished` when a job it submitted ends (the check, a
 * recovery step, the read of the service's logs); the verdict is `judge`'s, its effects are
 * recovery.ts's; a fix run it started (fix-run.ts) is looked up in D1 at each alarm. Events are
 * handled one at a time, across their awaits.
 *
 *   await env.SERVICE_MONITOR.getByName(projectId).watch(target);  // after a healthy deploy
 */

import { DurableObject } from "cloudflare:workers";
import { AnsibleResult, HttpCheckResult } from "@codegen-orchestrator/shared";
import { database } from "../db/client.ts";
import { addIncidentLogs, resolveIncident } from "../domain/incidents.ts";
import { writeDay } from "../domain/monitor-days.ts";
import { monitoredProject } from "../domain/pipeline-projects.ts";
import { projectSecretMasker } from "../domain/secret-masking.ts";
import type { Env } from "../env.ts";
import { executorHub } from "../executors/hub.ts";
import type { JobEndPayload } from "../executors/job-events.ts";
import { newId } from "../ids.ts";
import { monitorSettings } from "../settings/monitors.ts";
import { fixProgress, logsRead, startFix } from "./fix-run.ts";
import { emptyDay, recordCheck } from "./history.ts";
import type { MonitorContext } from "./incident-log.ts";
import { checkJob, EVIDENCE_LINES } from "./jobs.ts";
import { healthy, type JudgeConfig, judge, NO_HEALTH } from "./judge.ts";
import type { OwnerAction } from "./messages.ts";
import { loadState, type MonitorState, saveState, type WatchTarget } from "./monitor-state.ts";
import { apply, mute, policyMoves, recoveryEnded, startRecovery } from "./recovery.ts";

/** The first check after a deploy: soon, the deploy's own health check has just passed. */
const FIRST_CHECK_MS = 1_000;

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
            last: null,
            check: null,
            logs: null,
            health: NO_HEALTH,
            day: emptyDay(now),
            message: null,
          };
      await saveState(storage, state);
      await storage.setAlarm(now + FIRST_CHECK_MS);
    });
  }

  /** The project's new check interval, from the next check on (nothing when nothing is watched). */
  async setInterval(intervalS: number): Promise<void> {
    await this.#serially(async () => {
      const state = await loadState(this.ctx.storage);
      if (!state) return;
      state.target = { ...state.target, intervalS };
      await saveState(this.ctx.storage, state);
      await this.#alarmBy(Date.now() + intervalS * 1000);
    });
  }

  /** Stops watching (the project is deleted or undeployed): its open incident is closed. */
  async unwatch(): Promise<void> {
    await this.#serially(async () => {
      const state = await loadState(this.ctx.storage);
      const incident = state?.health.incident;
      if (incident) await resolveIncident(database(this.env.DB), incident.id, Date.now());
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
      if (state.check?.jobId === event.jobId) await this.#checked(state, outcome);
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
    const parsed =
      outcome.status === "succeeded" && outcome.result
        ? HttpCheckResult.safeParse(JSON.parse(outcome.result))
        : null;
    // A check that did not run (no executor, a lost job) says nothing about the service.
    if (!parsed?.success) return;
    const result = parsed.data;
    const now = Date.now();
    const evidence = {
      at: new Date(now).toISOString(),
      status: result.status,
      error: result.error,
      excerpt: "",
    };
    const ok = healthy(evidence);
    // A healthy check of a healthy service decides nothing: the policy is not read.
    const ctx = await this.#context(state, !ok || state.health.incident !== null);
    const db = ctx.db;
    if (!ok && result.excerpt)
      evidence.excerpt = (await projectSecretMasker(this.env, db, state.target.projectId))(result.excerpt);
    state.last = evidence;
    const day = recordCheck(state.day, ctx.now, { latencyMs: result.latencyMs, healthy: ok });
    if (day.ended) await writeDay(db, state.target.projectId, day.ended);
    state.day = day.stats;
    if (day.write) {
      await writeDay(db, state.target.projectId, state.day);
      state.day.unwritten = 0;
    }
    const busy = Boolean(state.recovery || state.fix);
    const judged = judge(state.health, evidence, ctx.now, ctx.config, newId, busy);
    state.health = judged.health;
    await apply(ctx, judged.decisions);
    // Failing but not yet an incident: the next check comes sooner.
    await this.#alarmBy(ctx.now + this.#delayMs(state));
  }

  /** The next alarm at `at` at the latest (one due sooner stays). */
  async #alarmBy(at: number): Promise<void> {
    const scheduled = await this.ctx.storage.getAlarm();
    if (scheduled === null || scheduled > at) await this.ctx.storage.setAlarm(at);
  }

  async #logsRead(state: MonitorState, outcome: { status: string; result: string | null }): Promise<void> {
    const incidentId = state.logs?.incidentId;
    state.logs = null;
    const parsed = outcome.result ? AnsibleResult.safeParse(JSON.parse(outcome.result)) : null;
    const text = parsed?.success ? parsed.data.logs?.text : undefined;
    if (incidentId && outcome.status === "succeeded" && text !== undefined) {
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
