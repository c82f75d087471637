/**
 * The bot's screens as HTML + buttons: the project list and card, a run's line, the help text.
 * Kept apart from the handlers so the web chat can render the same data its own way later.
 */
import { certificateDaysLeft, type TlsCertificate } from "@codegen-orchestrator/shared";
import type { ProjectRow } from "../domain/projects.ts";
import type { RunRow } from "../domain/runs.ts";
import type { RunBudgetAsk } from "../pipelines/run-chat.ts";
import { bold, code, escapeHtml } from "../telegram/format.ts";
import type { Keyboard } from "./channel.ts";

export const PROJECTS_PER_PAGE = 8;

export const HELP = [
  "Describe the service you need in your own words, and I will take it from there:",
  "clarify it with you, build it, test it, deploy it and send you its URL.",
  "",
  "/projects: your projects (deploy, logs, secrets, delete)",
  "/status: what I am doing and your runs in progress",
  "/cancel: cancel my open question, or a run",
  "/cost: what the conversation and your projects have cost, against your budgets",
  "/budget &lt;project&gt; &lt;USD&gt;: a project's monthly budget",
  "/templates: what a project can be built from",
  "/secret &lt;project&gt; &lt;NAME&gt;: set a project secret (your message is deleted)",
  "/logs &lt;project&gt; [lines]: the last lines of its service's output on its server",
  "/domain &lt;project&gt; &lt;domain&gt;: serve it at a domain of yours (off: remove it)",
  "/preview &lt;project&gt; [branch [off]]: deploy a branch beside production at its own URL (off: remove it); alone, list them",
  "/new: start a new conversation",
  "/login: a one-time link that signs you in to the web console",
].join("\n");

export const ADMIN_HELP = "\n\nAdmins: /servers, /executors, /users";

const STATUS_ICONS: Record<string, string> = {
  draft: "📝",
  scaffolding: "🏗",
  developing: "👩‍💻",
  testing: "🧪",
  deploying: "🚚",
  deployed: "✅",
  failed: "❌",
  archived: "🗄",
  queued: "⏳",
  running: "⚙️",
  skipped: "⏭",
  waiting: "⏸",
  succeeded: "✅",
  cancelled: "🚫",
};
export const icon = (status: string) => STATUS_ICONS[status] ?? "•";

/** A time to the minute, UTC, as the chat shows times. */
export const when = (date: Date | null) => (date ? date.toISOString().slice(0, 16).replace("T", " ") : "—");

export function runLine(run: RunRow): string {
  return `${icon(run.status)} ${escapeHtml(run.kind)} run ${code(run.id)}: ${escapeHtml(run.status)} (${when(run.createdAt)} UTC)${run.error ? `\n   ${escapeHtml(run.error.slice(0, 300))}` : ""}`;
}

export function projectList(rows: ProjectRow[], hasMore: boolean): { html: string; keyboard: Keyboard } {
  if (rows.length === 0) {
    return { html: "You have no projects yet. Describe a service and I will create one.", keyboard: [] };
  }
  const keyboard: Keyboard = rows.map((row) => [
    { text: `${icon(row.status)} ${row.name}`.slice(0, 60), data: `prj:${row.id}` },
  ]);
  const last = rows.at(-1);
  if (hasMore && last) keyboard.push([{ text: "More »", data: `prjs:${last.id}` }]);
  return { html: bold("Your projects"), keyboard };
}

export interface CardFacts {
  url: string | null;
  lastRun: RunRow | null;
  /** The release that serves now, and since when. */
  live?: { commit: string; since: Date } | null;
  /** Behind a proxy: the certificate the monitor's last check saw. */
  certificate?: TlsCertificate | null;
}

/** The site's certificate in a line: issuer, expiry, and whether browsers trust it. */
function certificateLine(certificate: TlsCertificate): string {
  const days = certificateDaysLeft(certificate);
  const left = days < 0 ? "expired" : `${days} days left`;
  const trust = certificate.trusted ? "" : ", signed by the server's internal CA (browsers do not trust it)";
  return `issued by ${escapeHtml(certificate.issuer)}, valid until ${certificate.validTo.slice(0, 10)} (${left})${trust}`;
}

export function projectCard(row: ProjectRow, facts: CardFacts): { html: string; keyboard: Keyboard } {
  const description = row.description.length > 400 ? `${row.description.slice(0, 400)}…` : row.description;
  const lines = [
    `${icon(row.status)} ${bold(row.name)} ${code(row.slug)}`,
    `Status: ${escapeHtml(row.status)}`,
    `Repository: ${row.repoUrl ? escapeHtml(row.repoUrl) : "—"}`,
    `URL: ${facts.url ? escapeHtml(facts.url) : "—"}`,
    `Live release: ${facts.live ? `${code(facts.live.commit.slice(0, 12))} since ${when(facts.live.since)} UTC` : "—"}`,
    `Last run: ${facts.lastRun ? runLine(facts.lastRun) : "—"}`,
  ];
  if (facts.url?.startsWith("https:"))
    lines.splice(
      4,
      0,
      `Certificate: ${facts.certificate ? certificateLine(facts.certificate) : "not checked yet"}`,
    );
  if (description) lines.push("", escapeHtml(description));
  return {
    html: lines.join("\n"),
    keyboard: [
      [
        { text: "🚀 Deploy", data: `dep:${row.id}` },
        { text: "📜 Logs", data: `logs:${row.id}` },
      ],
      [
        { text: "🔑 Secrets", data: `sec:${row.id}` },
        { text: "🗑 Delete", data: `del:${row.id}` },
      ],
      [{ text: "« Projects", data: "prjs:0" }],
    ],
  };
}

/** The question a run asks when its tests still fail after the last fix iteration. */
export function decisionPrompt(runId: string, situation: string): { html: string; keyboard: Keyboard } {
  return {
    html: `🧪 ${bold("The tests still fail.")}\n${escapeHtml(situation)}\n\nRun ${code(runId)}: what should I do?`,
    keyboard: [
      [{ text: "🔁 Retry with guidance", data: `dec:r:${runId}` }],
      [
        { text: "🚀 Deploy anyway", data: `dec:d:${runId}` },
        { text: "⏹ Stop", data: `dec:s:${runId}` },
      ],
    ],
  };
}

/** A run paused before a paid step that would pass a budget: raise its cap for this run, or stop. */
export function budgetPrompt(runId: string, ask: RunBudgetAsk): { html: string; keyboard: Keyboard } {
  return {
    html: `💸 ${bold("A budget is reached.")}\n${escapeHtml(ask.situation)}\n\nRun ${code(runId)} waits: raise its cap (for this run only), or stop it. To raise the monthly budget itself: /cost.`,
    keyboard: [
      [{ text: `💸 Raise the cap by $${ask.raiseUsd.toFixed(2)}`, data: `bud:r:${runId}` }],
      [{ text: "⏹ Stop", data: `bud:s:${runId}` }],
    ],
  };
}

export const GUIDANCE_QUESTION =
  "What should the developer do differently? Reply in one message (or “none” to just try again).";

/** A run's timeline: each step with its status, duration and cost, and where its job's log is. */
export function timelineView(
  run: RunRow,
  steps: {
    name: string;
    status: string;
    jobId: string | null;
    costUsd: number;
    startedAt: Date;
    finishedAt: Date | null;
  }[],
): string {
  const lines = steps.map((step) => {
    const seconds = step.finishedAt
      ? ` ${((step.finishedAt.getTime() - step.startedAt.getTime()) / 1000).toFixed(1)} s`
      : "";
    const cost = step.costUsd > 0 ? ` $${step.costUsd.toFixed(4)}` : "";
    const job = step.jobId ? ` · job ${code(step.jobId)}` : "";
    return `${icon(step.status)} ${escapeHtml(step.name)}${seconds}${cost}${job}`;
  });
  const total = steps.reduce((sum, step) => sum + step.costUsd, 0);
  return [
    runLine(run),
    "",
    ...(lines.length ? lines : ["No steps yet."]),
    ...(total > 0 ? ["", `Cost: $${total.toFixed(4)}`] : []),
    ...(steps.some((step) => step.jobId) ? ["", "A job's full log: GET /api/v1/jobs/&lt;id&gt;/log"] : []),
  ].join("\n");
}
