/** What the demo prints: the chat as it happens (sent and edited messages), and run timelines. */
import type { FakeTelegram } from "../test/support/fake-telegram.ts";

const plain = (html: string) =>
  html
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

const indent = (text: string, prefix: string) =>
  text
    .split("\n")
    .map((line, index) => (index === 0 ? line : `${" ".repeat(prefix.length)}${line}`))
    .join("\n");

export class TranscriptPrinter {
  readonly #telegram: FakeTelegram;
  readonly #chatId: number;
  readonly #hide: string[];
  #seen = 0;
  #timer: NodeJS.Timeout | null = null;
  /** Every message the bot sent or edited, in order (text as shown). */
  readonly shown: { messageId: number; text: string }[] = [];

  constructor(telegram: FakeTelegram, chatId: number, hide: string[]) {
    this.#telegram = telegram;
    this.#chatId = chatId;
    this.#hide = hide;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.#flush(), 100);
  }

  stop(): void {
    this.#flush();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  user(text: string): void {
    this.#flush();
    console.log(`👤 ${text}`);
  }

  /** Waits (bounded) until the bot has shown a text containing `part`. */
  async waitFor(part: string, timeoutMs: number): Promise<{ messageId: number; text: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.#flush();
      const found = this.shown.find((item) => item.text.includes(part));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`the chat never showed "${part}"`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  #flush(): void {
    const calls = this.#telegram.calls;
    for (; this.#seen < calls.length; this.#seen++) {
      const call = calls[this.#seen];
      if (!call || call.failed || call.payload.chat_id !== this.#chatId) continue;
      let text = plain(String(call.payload.text ?? ""));
      for (const secret of this.#hide) text = text.replaceAll(secret, "••••");
      if (call.method === "sendMessage") {
        const messageId = Number((call.result as { message_id?: number } | undefined)?.message_id ?? 0);
        this.shown.push({ messageId, text });
        console.log(`🤖 ${indent(text, "🤖 ")}`);
      } else if (call.method === "editMessageText") {
        const messageId = Number(call.payload.message_id);
        this.shown.push({ messageId, text });
        console.log(`🤖 ✎ ${indent(text, "🤖 ✎ ")}`);
      } else if (call.method === "deleteMessage")
        console.log(`🤖 🗑 deleted message ${call.payload.message_id}`);
    }
  }
}

interface StepView {
  name: string;
  status: string;
  durationMs: number | null;
  costUsd: number;
}

export function printTimeline(run: { id: string; kind: string; status: string }, steps: StepView[]): void {
  console.log(`\n${run.kind} run ${run.id}: ${run.status}`);
  for (const step of steps) {
    const seconds =
      step.durationMs === null ? "    …" : `${(step.durationMs / 1000).toFixed(1).padStart(5)} s`;
    const cost = step.costUsd > 0 ? `  $${step.costUsd.toFixed(4)}` : "";
    console.log(`  ${step.name.padEnd(28)} ${step.status.padEnd(10)} ${seconds}${cost}`);
  }
}
