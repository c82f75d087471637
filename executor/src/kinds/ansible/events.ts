/**
 * The play as it runs: the `orchestrator_jsonl` callback (ansible/callback_plugins) prints one
 * JSON object per line; this turns them into log lines, progress (tasks done of the play's
 * total), and at the end into the job's result.
 */
import { z } from "zod";

const Counts = z.object({
  ok: z.number().int().default(0),
  changed: z.number().int().default(0),
  failed: z.number().int().default(0),
  unreachable: z.number().int().default(0),
  skipped: z.number().int().default(0),
  rescued: z.number().int().default(0),
  ignored: z.number().int().default(0),
});

export const PlayEvent = z.discriminatedUnion("event", [
  z.object({ event: z.literal("playbook_start") }).loose(),
  z
    .object({
      event: z.literal("play_start"),
      name: z.string().default(""),
      /** The tasks the play starts when nothing fails, handlers aside. */
      tasks: z.number().int().nonnegative().optional(),
    })
    .loose(),
  z
    .object({
      event: z.literal("task_start"),
      name: z.string().default(""),
      handler: z.boolean().default(false),
    })
    .loose(),
  z
    .object({
      event: z.literal("task_result"),
      host: z.string(),
      task: z.string().default(""),
      status: z.enum(["ok", "changed", "failed", "unreachable", "skipped", "ignored", "rescued"]),
      msg: z.string().nullish(),
    })
    .loose(),
  z
    .object({
      event: z.literal("stats"),
      hosts: z.record(z.string(), Counts),
      /** What the play returned with set_stats (project_logs: its `project_logs`). */
      data: z.record(z.string(), z.unknown()).default({}),
    })
    .loose(),
]);
export type PlayEvent = z.infer<typeof PlayEvent>;

export interface PlayRecord {
  hosts: Record<string, z.infer<typeof Counts>>;
  failure: { host: string; task: string; message: string } | null;
  tasks: number;
  /** The play's set_stats data (never said in the log: it may be a service's whole output). */
  data: Record<string, unknown>;
}

/** Tasks done of the total the plays started so far announced (handlers aside). */
export type PlayProgress = (done: number, total: number) => void;

/** Folds the events into what the result needs, says each one as a log line, and tells progress. */
export class PlayTracker {
  readonly record: PlayRecord = { hosts: {}, failure: null, tasks: 0, data: {} };
  #buffer = "";
  readonly #say: (line: string) => void;
  readonly #raw: (text: string) => void;
  readonly #progress: PlayProgress;
  /** The plays' announced tasks, and the tasks (not handlers) started so far. */
  #total = 0;
  #started = 0;

  constructor(say: (line: string) => void, raw: (text: string) => void, progress: PlayProgress = () => {}) {
    this.#say = say;
    this.#raw = raw;
    this.#progress = progress;
  }

  /** Feeds stdout as it comes; whole lines are parsed, the rest waits. */
  push(chunk: string): void {
    this.#buffer += chunk;
    let newline = this.#buffer.indexOf("\n");
    while (newline !== -1) {
      this.#line(this.#buffer.slice(0, newline));
      this.#buffer = this.#buffer.slice(newline + 1);
      newline = this.#buffer.indexOf("\n");
    }
  }

  end(): void {
    if (this.#buffer.trim()) this.#line(this.#buffer);
    this.#buffer = "";
  }

  #line(line: string): void {
    if (!line.trim()) return;
    const parsed = PlayEvent.safeParse(jsonOrNothing(line));
    if (!parsed.success) {
      this.#raw(`${line}\n`);
      return;
    }
    const event = parsed.data;
    switch (event.event) {
      case "play_start":
        this.#total += event.tasks ?? 0;
        this.#say(`PLAY [${event.name}]`);
        return;
      case "task_start":
        this.record.tasks++;
        this.#say(`TASK [${event.name}]`);
        if (!event.handler) {
          // A task starts when the one before it is done.
          this.#tell(this.#started);
          this.#started++;
        }
        return;
      case "task_result": {
        const message = event.msg ? `: ${event.msg}` : "";
        this.#say(
          `${event.status}: [${event.host}]${event.status === "failed" || event.status === "unreachable" ? message : ""}`,
        );
        if ((event.status === "failed" || event.status === "unreachable") && !this.record.failure) {
          this.record.failure = {
            host: event.host,
            task: event.task,
            message: (event.msg ?? event.status).slice(0, 8_000),
          };
        }
        return;
      }
      case "stats":
        this.#tell(this.#started);
        this.record.hosts = event.hosts;
        this.record.data = event.data;
        this.#say(
          `PLAY RECAP ${Object.entries(event.hosts)
            .map(
              ([host, c]) =>
                `${host}: ok=${c.ok} changed=${c.changed} failed=${c.failed} unreachable=${c.unreachable}`,
            )
            .join("; ")}`,
        );
        return;
      default:
        return;
    }
  }

  /** Progress, when the plays announced their tasks (a rescue section may run more: the count stops at the total). */
  #tell(done: number): void {
    if (this.#total > 0) this.#progress(Math.min(done, this.#total), this.#total);
  }
}

/** The line's JSON value, or undefined when it is not JSON (a line of ansible's own, say). */
function jsonOrNothing(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
