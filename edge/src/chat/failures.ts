/** What to tell the user when handling their message failed: plainly, with what to do next. */
import Anthropic from "@anthropic-ai/sdk";
import { ApiError } from "../domain/errors.ts";
import { escapeHtml } from "../telegram/format.ts";

export function failureMessage(err: unknown, retries: number): string {
  if (err instanceof ApiError) return `⚠️ ${escapeHtml(err.message)}`;
  if (err instanceof Anthropic.APIError) {
    const tried = `I tried ${retries + 1} times.`;
    const later = "Nothing is lost: write to me again in a minute and I will go on from here.";
    if (err instanceof Anthropic.APIConnectionError)
      return `⚠️ I could not reach the model service. ${tried} ${later}`;
    if (err.status === 429) return `⚠️ The model service's rate limit is reached. ${tried} ${later}`;
    if (err.status === 529) return `⚠️ The model service is overloaded right now. ${tried} ${later}`;
    if (err.status === 401 || err.status === 403) {
      return "⚠️ The model service refused our API key. An admin needs to check ANTHROPIC_API_KEY.";
    }
    if ((err.status ?? 0) >= 500)
      return `⚠️ The model service has a problem (HTTP ${err.status}). ${tried} ${later}`;
    console.error(JSON.stringify({ event: "chat.model_error", status: err.status, type: err.name }));
    return `⚠️ The model service refused the request (HTTP ${err.status}). Try /new to start a fresh conversation.`;
  }
  console.error(
    JSON.stringify({
      event: "chat.failed",
      error: err instanceof Error ? err.name : typeof err,
      message: err instanceof Error ? err.message : undefined,
    }),
  );
  return "⚠️ Something went wrong on my side; it has been logged. Try again, or /new to start over.";
}
