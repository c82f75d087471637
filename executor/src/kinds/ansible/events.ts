/**
 * The play as it runs: the `orchestrator_jsonl` callback (ansible/callback_plugins) prints one
 * JSON object per line; this turns them into log lines, and at the end into the job's result.
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
  z.object({ event: z.literal("play_start"), name: z.string().default("") }).loose(),
  z.object({ event: z.literal("task_start"), name: z.string().default("") }).loose(),
  z
    .object({
      event: z.literal("task_result"),
      host: z.string(),
      task: z.string().default(""),
      status: z.enum(["ok", "changed", "failed", "unreachable", "skipped", "ignored", "rescued"]),
      msg: z.string().nullish(),
    })
    .loose(),
  z.object({ event: z.literal("stats"), hosts: z.record(z.string(), Counts) }).loose(),
]);
export type PlayEvent = z.infer<typeof PlayEvent>;

export interface PlayRecord {
  hosts: Record<string, z.infer<typeof Counts>>;
  failure: { host: string; task: string; message: string } | null;
  tasks: number;
}

/** Folds the events into what the result needs, and says each one as a log line. */
export class PlayTracker {
  readonly record: PlayRecord = { hosts: {}, failure: null, tasks: 0 };
  #buffer = "";
  readonly #say: (line: string) => void;
  readonly #raw: (text: string) => void;

  constructor(say: (line: string) => void, raw: (text: string) => void) {
    this.#say = say;
    this.#raw = raw;
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
    let parsed: ReturnType<typeof PlayEvent.safeParse>;
    try {
      parsed = PlayEvent.safeParse(JSON.parse(line));
    } catch {
      parsed = { success: false } as ReturnType<typeof PlayEvent.safeParse>;
    }
    if (!parsed.success) {
      this.#raw(`${line}\n`);
      return;
    }
    const event = parsed.data;
    switch (event.event) {
      case "play_start":
        this.#say(`PLAY [${event.name}]`);
        return;
      case "task_start":
        this.record.tasks++;
        this.#say(`TASK [${event.name}]`);
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
        this.record.hosts = event.hosts;
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
}
