/**
 * What a monitor tells the project's owner: one "down" message per outage (its buttons, and the
 * recovery steps taken, edited into it), one "recovered" message when it is over, and a question
 * when the policy has stopped. Button data: `inc:<r|b|a|m>:<project id>` (chat/callbacks.ts).
 */
import type { CheckEvidence } from "@codegen-orchestrator/shared";
import type { Keyboard } from "../chat/channel.ts";
import { bold, code, escapeHtml } from "../telegram/format.ts";

/** The owner's buttons, by letter. */
export const OWNER_ACTIONS = { r: "restart", b: "rollback", a: "agent", m: "mute" } as const;
export type OwnerAction = (typeof OWNER_ACTIONS)[keyof typeof OWNER_ACTIONS];

export function incidentKeyboard(projectId: string): Keyboard {
  return [
    [
      { text: "🔄 Restart", data: `inc:r:${projectId}` },
      { text: "↩️ Roll back", data: `inc:b:${projectId}` },
    ],
    [
      { text: "🛠 Let the agent fix it", data: `inc:a:${projectId}` },
      { text: "🔕 Mute", data: `inc:m:${projectId}` },
    ],
  ];
}

const seen = (check: CheckEvidence) =>
  check.status === null ? `no answer (${check.error ?? "unknown"})` : `HTTP ${check.status}`;

/** The outage as its checks saw it, and what has been done so far. */
export function downMessage(name: string, url: string, checks: CheckEvidence[], steps: string[]): string {
  const last = checks.at(-1);
  const excerpt = last?.excerpt ? `\n<pre>${escapeHtml(last.excerpt.slice(0, 300))}</pre>` : "";
  const lines = [
    `🔴 ${bold(name)} is down: ${code(url)} failed ${checks.length} checks in a row (last: ${escapeHtml(last ? seen(last) : "no answer")}).${excerpt}`,
    ...steps.map((step) => `• ${step}`),
  ];
  return lines.join("\n");
}

const duration = (ms: number) =>
  ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;

export function recoveredMessage(
  name: string,
  url: string,
  times: { detectMs: number; recoverMs: number },
): string {
  return `🟢 ${bold(name)} is healthy again (${code(url)}). Down for ${duration(times.recoverMs)}; found in ${duration(times.detectMs)}.`;
}

export function askMessage(name: string, steps: string[]): string {
  const tried = steps.length ? ` What was tried:\n${steps.map((step) => `• ${step}`).join("\n")}\n` : " ";
  return `⚠️ ${bold(name)} is still down and I have stopped trying on my own.${tried}What now? Restart it, roll it back, let the agent fix it, or mute this incident.`;
}
