/**
 * `orchestrator run watch`: a run's live timeline until it ends. Each step is a line when it
 * starts and when it ends (✓ ✗ –); the running step's progress is a bar redrawn in place at a
 * terminal; its job's log, when the caller may read it, streams in between (`│ `). A run waiting
 * for its user says what it waits for. With `--json`, one JSON event per line instead.
 *
 * The exit status is the run's outcome: 0 succeeded, 1 failed, 3 cancelled.
 */
import type { Writable } from "node:stream";
import type { ApiClient } from "./api-client.ts";
import { followJobLog } from "./job-log.ts";

interface Run {
  id: string;
  status: string;
  error: string | null;
}
interface Step {
  name: string;
  status: string;
  jobId: string | null;
  durationMs: number | null;
  progress: string | null;
  logReadable: boolean;
}

export const RUN_EXIT_CODES: Record<string, number> = { succeeded: 0, failed: 1, cancelled: 3 };
const FINAL = new Set(Object.keys(RUN_EXIT_CODES));
const MARK: Record<string, string> = { succeeded: "✓", failed: "✗", skipped: "–", running: "▶" };
const BAR_WIDTH = 20;

export interface WatchOptions {
  json: boolean;
  out: Writable & { isTTY?: boolean };
  /** Between reads of the timeline (the run's own status is long-polled within it). */
  intervalSeconds?: number;
}

export async function watchRun(client: ApiClient, runId: string, options: WatchOptions): Promise<Run> {
  const screen = new Screen(options.out, options.json);
  const seen = new Map<string, string>();
  let following: { jobId: string; stop: AbortController; done: Promise<void> } | null = null;
  let run = await client.call<Run>("get_run", { id: runId });
  let waitedFor: string | null = null;
  for (;;) {
    const steps = (await client.call<{ items: Step[] }>("get_run_steps", { id: runId })).items;
    for (const step of steps) {
      const key = `${step.name}:${step.status}`;
      if (seen.get(step.name) !== key) screen.step(step);
      seen.set(step.name, key);
    }
    const running = steps.findLast((step) => step.status === "running");
    if (running?.jobId && running.logReadable && following?.jobId !== running.jobId) {
      following?.stop.abort();
      const stop = new AbortController();
      const jobId: string = running.jobId;
      following = {
        jobId,
        stop,
        done: followJobLog(client, jobId, (text) => screen.log(jobId, text), stop.signal).catch(() => {}),
      };
    }
    screen.progress(running ?? null);
    if (run.status === "waiting" && running && waitedFor !== running.name) {
      waitedFor = running.name;
      screen.note(
        `The run waits for you (${running.name}): answer it in the chat, the console, or \`orchestrator api\` (decide_run, answer_questions, answer_budget, answer_upgrade).`,
      );
    }
    if (FINAL.has(run.status)) break;
    run = await client.call<Run>("get_run", {
      id: runId,
      waitSeconds: options.intervalSeconds ?? 1,
      unlessStatus: run.status,
    });
  }
  following?.stop.abort();
  await following?.done;
  screen.end(run);
  return run;
}

/** Where the watch writes: lines, a live progress line at a terminal, or JSON events. */
class Screen {
  readonly out: Writable & { isTTY?: boolean };
  readonly json: boolean;
  #live = "";
  #partial = "";
  #partialOf = "";

  constructor(out: Writable & { isTTY?: boolean }, json: boolean) {
    this.out = out;
    this.json = json;
  }

  step(step: Step): void {
    if (this.json) {
      this.#event({ event: "step", step });
      return;
    }
    const took = step.durationMs === null ? "" : ` (${(step.durationMs / 1000).toFixed(1)} s)`;
    this.#line(`${MARK[step.status] ?? "·"} ${step.name}${step.status === "running" ? "" : took}`);
  }

  log(jobId: string, text: string): void {
    if (this.json) {
      this.#event({ event: "log", jobId, text });
      return;
    }
    // Whole lines only: a chunk may end mid-line, and the rest comes with the next one (of the same job).
    if (jobId !== this.#partialOf && this.#partial) this.#line(`  │ ${this.#partial}`);
    if (jobId !== this.#partialOf) this.#partial = "";
    this.#partialOf = jobId;
    const lines = (this.#partial + text).split("\n");
    this.#partial = lines.pop() ?? "";
    if (lines.length > 0) this.#line(lines.map((line) => `  │ ${line}`).join("\n"));
  }

  note(text: string): void {
    if (this.json) {
      this.#event({ event: "note", text });
      return;
    }
    this.#line(`⏸ ${text}`);
  }

  progress(step: Step | null): void {
    if (this.json || !this.out.isTTY) return;
    const live = step ? `  ${step.name} ${bar(step.progress)} ${step.progress ?? "running"}` : "";
    if (live === this.#live) return;
    this.#clear();
    this.#live = live;
    this.out.write(live);
  }

  end(run: Run): void {
    if (this.#partial) this.log(this.#partialOf, "\n");
    if (this.json) {
      this.#event({ event: "run", run });
      return;
    }
    const why = run.error ? `: ${run.error}` : "";
    this.#line(`Run ${run.id} ${run.status}${why}`);
  }

  #line(text: string): void {
    this.#clear();
    this.out.write(`${text}\n`);
    if (this.#live) this.out.write(this.#live);
  }

  #clear(): void {
    if (this.#live) this.out.write("\r\x1b[2K");
  }

  #event(value: unknown): void {
    this.out.write(`${JSON.stringify(value)}\n`);
  }
}

/** `[######--------------] 34%` from a progress text that ends with a percentage, else empty. */
export function bar(progress: string | null): string {
  const percent = Number(/(\d{1,3})%\)?\s*$/.exec(progress ?? "")?.[1]);
  if (!Number.isFinite(percent)) return "";
  const filled = Math.round((Math.min(percent, 100) / 100) * BAR_WIDTH);
  return `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
}
