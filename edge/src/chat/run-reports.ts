/**
 * What the chat does for the runs it started (its side of `RunChat`): each run's one status
 * message, edited as the workflow reports its stages; while a stage's job runs, the job's own
 * progress under it (Ansible tasks done, the test phase), looked up in the hub every
 * JOB_PROGRESS_POLL_S; the decision a run asks for; the secret or the template's answers it needs.
 */
import { database } from "../db/client.ts";
import { runningStepJobs } from "../domain/run-steps.ts";
import type { Env } from "../env.ts";
import { executorHub } from "../executors/hub.ts";
import { type RunBudgetAsk, RunProgress, type RunUpgradeOffer } from "../pipelines/run-chat.ts";
import { chatSettings } from "../settings/chat.ts";
import { escapeHtml } from "../telegram/format.ts";
import type { ChatChannel, Keyboard } from "./channel.ts";
import type { Awaited } from "./po/conversation.ts";
import type { ChatRequests } from "./requests.ts";
import { RunStatusMessages } from "./run-status.ts";
import { upgradePrompt } from "./upgrade-views.ts";
import { budgetPrompt, decisionPrompt } from "./views.ts";

/** The session's methods the reports schedule (by name). */
export type ReportTimer = "flushRunStatus" | "watchRunJobs";

export interface RunReportsHost {
  env: Env;
  sql: SqlStorage;
  /** A chat's agent with a bot configured (an owner's agent without a chat shows nothing). */
  hasChat(): boolean;
  chatId(): number;
  channel(): ChatChannel;
  schedule(delayS: number, method: ReportTimer, payload: { runId: string }): Promise<unknown>;
  requests: ChatRequests;
}

interface StageRow extends Record<string, SqlStorageValue> {
  run_id: string;
  stage_html: string;
  /** Looks left before the watch ends while no job runs (a stage may submit its job a little later). */
  idle_polls: number;
}

const IDLE_POLLS = 3;

export class RunReports {
  readonly #host: RunReportsHost;
  readonly #messages: RunStatusMessages;

  constructor(host: RunReportsHost) {
    this.#host = host;
    this.#messages = new RunStatusMessages(host.sql, chatSettings.read(host.env).STATUS_EDIT_INTERVAL_MS);
    // Per run, the stage line the workflow reported last; a job watch is scheduled while idle_polls > 0.
    host.sql.exec(`CREATE TABLE IF NOT EXISTS run_stage (
      run_id TEXT PRIMARY KEY,
      stage_html TEXT NOT NULL,
      idle_polls INTEGER NOT NULL
    )`);
  }

  /** Shows `html` as the run's status (throttled edits; what waits is sent by `flush`). */
  async show(runId: string, html: string): Promise<void> {
    const host = this.#host;
    const outcome = await this.#messages.update(host.channel(), host.chatId(), runId, html);
    if (outcome.sent === "later")
      await host.schedule(Math.ceil(outcome.inMs / 1000), "flushRunStatus", { runId });
  }

  flush(runId: string): Promise<void> {
    return this.#messages.flush(this.#host.channel(), this.#host.chatId(), runId);
  }

  /** A workflow's stage report: the status message shows it, and the stage's job is watched. */
  async stage(report: unknown): Promise<void> {
    const parsed = RunProgress.safeParse(report);
    if (!this.#host.hasChat() || !parsed.success) return;
    const { runId, text } = parsed.data;
    try {
      const html = `Run <code>${escapeHtml(runId)}</code>\n${escapeHtml(text)}`;
      const watched = (this.#row(runId)?.idle_polls ?? 0) > 0;
      this.#setStage(runId, html, IDLE_POLLS);
      await this.show(runId, html);
      if (!watched) await this.#watchLater(runId);
    } catch (err) {
      // Showing progress must never fail the run that reports it.
      console.error(JSON.stringify({ event: "run.progress_not_shown", runId, error: String(err) }));
    }
  }

  /**
   * The running jobs' progress under the stage line; the watch ends after a few looks that find no
   * running job (the workflow's next report starts another).
   */
  async watchJobs(runId: string): Promise<void> {
    const before = this.#row(runId);
    if (!before || !this.#host.hasChat()) return;
    const { env } = this.#host;
    const jobs = await runningStepJobs(database(env.DB), runId);
    if (jobs.length === 0) {
      const left = before.idle_polls - 1;
      this.#host.sql.exec("UPDATE run_stage SET idle_polls = ? WHERE run_id = ?", Math.max(0, left), runId);
      if (left > 0) await this.#watchLater(runId);
      return;
    }
    this.#host.sql.exec("UPDATE run_stage SET idle_polls = ? WHERE run_id = ?", IDLE_POLLS, runId);
    const hub = executorHub(env);
    const progress = (await Promise.all(jobs.map((jobId) => hub.progress(jobId)))).filter(Boolean);
    // A stage reported meanwhile is newer than this job's progress: leave its line as it is.
    const now = this.#row(runId);
    if (progress.length > 0 && now?.stage_html === before.stage_html) {
      const lines = progress.map((text) => `⏳ ${escapeHtml(String(text))}`);
      const host = this.#host;
      await this.#messages.showProgress(
        host.channel(),
        host.chatId(),
        runId,
        [before.stage_html, ...lines].join("\n"),
      );
    }
    await this.#watchLater(runId);
  }

  /** Asks the run's user what to do (three buttons, see the `dec` callback). Never throws. */
  askDecision(runId: string, situation: string): Promise<void> {
    return this.#ask(runId, decisionPrompt(runId, situation));
  }

  /** Offers an upgrade run's branch to its user (three buttons, see the `upg` callback). Never throws. */
  askUpgrade(runId: string, offer: RunUpgradeOffer): Promise<void> {
    return this.#ask(runId, upgradePrompt(runId, offer));
  }

  /** Asks the run's user to raise its cap or stop it (two buttons, see the `bud` callback). Never throws. */
  askBudget(runId: string, ask: RunBudgetAsk): Promise<void> {
    return this.#ask(runId, budgetPrompt(runId, ask));
  }

  async #ask(runId: string, prompt: { html: string; keyboard: Keyboard }): Promise<void> {
    if (!this.#host.hasChat()) return;
    try {
      await this.#host.channel().send(this.#host.chatId(), prompt.html, prompt.keyboard);
    } catch (err) {
      console.error(JSON.stringify({ event: "run.decision_not_asked", runId, error: String(err) }));
    }
  }

  /**
   * Opens a run's request in the chat, or defers it behind the open one: a secret (the chat's
   * secret flow: the next message, sealed) or the template's questions. Never throws.
   */
  async request(runId: string, request: Awaited): Promise<void> {
    if (!this.#host.hasChat()) return;
    try {
      await this.#host.requests.askOrDefer(this.#host.channel(), request);
    } catch (err) {
      const what = request.kind === "secret" ? request.name : request.kind;
      console.error(JSON.stringify({ event: "run.request_not_asked", runId, what, error: String(err) }));
    }
  }

  #watchLater(runId: string): Promise<unknown> {
    return this.#host.schedule(chatSettings.read(this.#host.env).JOB_PROGRESS_POLL_S, "watchRunJobs", {
      runId,
    });
  }

  #setStage(runId: string, html: string, idlePolls: number): void {
    this.#host.sql.exec(
      "INSERT OR REPLACE INTO run_stage (run_id, stage_html, idle_polls) VALUES (?, ?, ?)",
      runId,
      html,
      idlePolls,
    );
  }

  #row(runId: string): StageRow | undefined {
    return this.#host.sql.exec<StageRow>("SELECT * FROM run_stage WHERE run_id = ?", runId).toArray()[0];
  }
}
