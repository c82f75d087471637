/**
 * A secret value read without a trace: at a terminal, from a prompt that echoes nothing (raw
 * mode: the characters are never shown, so they reach no scrollback or screen recording); from a
 * pipe, the whole of stdin less one trailing newline. Never from argv, which every user of the
 * host can read and the shell keeps in its history.
 */
import type { Readable, Writable } from "node:stream";

type Input = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

const ENTER = new Set(["\r", "\n"]);
const BACKSPACE = new Set(["\x7f", "\b"]);
const INTERRUPT = "\x03";
const END_OF_INPUT = "\x04";

export async function readSecret(prompt: string, input: Input, output: Writable): Promise<string> {
  if (!input.isTTY || !input.setRawMode) return readAll(input);
  // Echo off before the prompt shows: a fast typist's first characters must not be echoed.
  input.setRawMode(true);
  output.write(prompt);
  input.setEncoding("utf8");
  input.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = "";
      const onData = (chunk: string) => {
        for (const char of chunk) {
          if (ENTER.has(char) || char === END_OF_INPUT) {
            input.off("data", onData);
            resolve(value);
            return;
          }
          if (char === INTERRUPT) {
            input.off("data", onData);
            reject(new Error("Cancelled: nothing was stored."));
            return;
          }
          value = BACKSPACE.has(char) ? value.slice(0, -1) : value + char;
        }
      };
      input.on("data", onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    output.write("\n");
  }
}

async function readAll(input: Readable): Promise<string> {
  let text = "";
  for await (const chunk of input) text += chunk;
  return text.replace(/\r?\n$/, "");
}
