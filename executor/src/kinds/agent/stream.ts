/**
 * An agent CLI that streams its session as JSON lines (Claude Code's `stream-json`): each model
 * turn is reported as progress while it runs ("claude-code: turn 4 of 50"), and the final result
 * line is kept whole for the adapter's parse, however long the stream before it was (the
 * process's captured stdout keeps only its beginning).
 */
import type { RunContext } from "../../jobs/runner.ts";
import type { Adapter } from "./adapter.ts";

/** A line longer than this is not an event worth parsing (a tool result, say): skipped. */
const MAX_EVENT_CHARS = 1024 * 1024;

export class AgentStream {
  readonly #classify: NonNullable<Adapter["streamEvent"]>;
  readonly #onTurn: (turn: number) => void;
  readonly #turnIds = new Set<string>();
  #partial = "";
  #resultLine: string | null = null;

  constructor(classify: NonNullable<Adapter["streamEvent"]>, onTurn: (turn: number) => void) {
    this.#classify = classify;
    this.#onTurn = onTurn;
  }

  /** A chunk of the CLI's stdout, as it comes. */
  push(chunk: string): void {
    const lines = (this.#partial + chunk).split("\n");
    this.#partial = lines.pop() ?? "";
    if (this.#partial.length > MAX_EVENT_CHARS) this.#partial = "";
    for (const line of lines) this.#line(line);
  }

  /** The result line the CLI printed last, or null (the parse then reads the captured stdout). */
  resultLine(): string | null {
    if (this.#partial) this.#line(this.#partial);
    this.#partial = "";
    return this.#resultLine;
  }

  #line(line: string): void {
    const text = line.trim();
    if (!text.startsWith("{") || text.length > MAX_EVENT_CHARS) return;
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      return;
    }
    const kind = this.#classify(event);
    if (kind === "result") this.#resultLine = text;
    else if (kind && !this.#turnIds.has(kind.turn)) {
      this.#turnIds.add(kind.turn);
      this.#onTurn(this.#turnIds.size);
    }
  }
}

/**
 * The job's log with the adapter's stream watched on the way (when its CLI streams), and the
 * turns reported as the job's progress.
 */
export function watchedLog(
  adapter: Adapter,
  context: Pick<RunContext, "log" | "progress">,
  label: string,
  maxTurns: number | undefined,
): { log: RunContext["log"]; stream: AgentStream | null } {
  if (!adapter.streamEvent) return { log: context.log, stream: null };
  const stream = new AgentStream(adapter.streamEvent, (turn) =>
    maxTurns
      ? context.progress(`${label}: turn ${turn} of ${maxTurns}`, Math.min(100, (turn * 100) / maxTurns))
      : context.progress(`${label}: turn ${turn}`),
  );
  const log: RunContext["log"] = (source, chunk) => {
    if (source === "stdout") stream.push(chunk);
    context.log(source, chunk);
  };
  return { log, stream };
}
