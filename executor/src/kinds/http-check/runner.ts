/**
 * `http_check` jobs: one GET of a health URL by the daemon itself (no process, no shell), with a
 * timeout, no redirects followed and no proxy. Whatever the URL answers, the check ran: the job
 * succeeds and its result says what came back; it fails only when cancelled or past its deadline.
 * It writes no log: the result is the whole record, and a log would cost the hub a write and an
 * archive for every check a monitor makes.
 */
import {
  HTTP_CHECK_EXCERPT_CHARS,
  type HttpCheckResult,
  type HttpCheckSpec,
} from "@codegen-orchestrator/shared";
import type { Runner } from "../../jobs/runner.ts";

/** Why nothing answered, in the words a person reads (the socket's code when there is one). */
function noAnswer(err: unknown, timeoutMs: number): string {
  if (err instanceof DOMException && err.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return String(cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : err)).slice(0, 500);
}

/** The body's start as text a chat can show: control characters (bar newlines and tabs) dropped. */
async function excerptOf(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Enough bytes for the excerpt's characters (at most 4 bytes each); the rest is never read.
  while (size < HTTP_CHECK_EXCERPT_CHARS * 4) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => {});
  const text = Buffer.concat(chunks).toString("utf8");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it drops.
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "").slice(0, HTTP_CHECK_EXCERPT_CHARS);
}

export const runHttpCheck: Runner<HttpCheckSpec> = async (spec, context) => {
  const started = performance.now();
  const signal = AbortSignal.any([context.signal, AbortSignal.timeout(spec.timeoutMs)]);
  let output: HttpCheckResult;
  try {
    const response = await fetch(spec.url, { signal, redirect: "manual" });
    const excerpt = await excerptOf(response).catch(() => "");
    output = { status: response.status, error: null, latencyMs: performance.now() - started, excerpt };
  } catch (err) {
    if (context.signal.aborted) return { status: "cancelled", output: undefined };
    output = {
      status: null,
      error: noAnswer(err, spec.timeoutMs),
      latencyMs: performance.now() - started,
      excerpt: "",
    };
  }
  return { status: "succeeded", output };
};
