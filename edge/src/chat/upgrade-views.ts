/**
 * An upgrade run's offer in the chat: what changed from which template version to which, the
 * tests' verdict, the conflicts, and three buttons (`upg:m|l|s:<run id>`: merge and deploy, look
 * first, skip this version). "Look first" answers with where the branch is and what it changed,
 * and asks again (the run keeps waiting).
 */
import type { TemplateUpgrade } from "@codegen-orchestrator/shared";
import type { RunUpgradeOffer } from "../pipelines/run-chat.ts";
import { bold, code, escapeHtml } from "../telegram/format.ts";
import type { Keyboard } from "./channel.ts";

const upgradeKeyboard = (runId: string, look: boolean): Keyboard => [
  [{ text: "✅ Merge and deploy", data: `upg:m:${runId}` }],
  [
    ...(look ? [{ text: "👀 Look first", data: `upg:l:${runId}` }] : []),
    { text: "⏭ Skip this version", data: `upg:s:${runId}` },
  ],
];

const testsVerdict = (passed: boolean | null, line: string) =>
  `${passed === null ? "⚠️" : passed ? "✅" : "❌"} Tests: ${escapeHtml(line)}`;

const conflictLines = (conflicts: string[]) =>
  conflicts.length === 0
    ? []
    : [
        `⚠️ Conflicts left marked in ${conflicts.length} file(s): ${conflicts.slice(0, 10).map(code).join(", ")}${conflicts.length > 10 ? "…" : ""}`,
      ];

export function upgradePrompt(runId: string, offer: RunUpgradeOffer): { html: string; keyboard: Keyboard } {
  const from = offer.fromVersion ? `${code(offer.fromVersion)} → ` : "";
  const { merged, added, removed } = offer.changed;
  const lines = [
    `⬆️ ${bold(`A new version of ${offer.templateName}`)} for ${bold(offer.projectName)}: ${from}${code(offer.toVersion)}`,
    `The update is on the branch ${code(offer.branch)} (${merged} file(s) merged, ${added} added, ${removed} removed).`,
    ...conflictLines(offer.conflicts),
    testsVerdict(offer.testsPassed, offer.testLine),
    ...(offer.pullRequestUrl ? [`Pull request: ${escapeHtml(offer.pullRequestUrl)}`] : []),
    ...offer.messages.filter(Boolean).map((message) => `📝 ${escapeHtml(message.slice(0, 500))}`),
    "",
    `Run ${code(runId)}: merge it into main and deploy, or skip this version?`,
  ];
  return { html: lines.join("\n"), keyboard: upgradeKeyboard(runId, true) };
}

/** "Look first": where to look (the pull request, else the branch and its commit), and the buttons again. */
export function upgradeDetails(
  upgrade: TemplateUpgrade,
  repoUrl: string | null,
): { html: string; keyboard: Keyboard } {
  const where = upgrade.pullRequestUrl
    ? `Review the pull request: ${escapeHtml(upgrade.pullRequestUrl)}`
    : `Review the branch ${code(upgrade.branch ?? "?")}${upgrade.commit ? ` (commit ${code(upgrade.commit.slice(0, 12))})` : ""}${repoUrl ? ` of ${code(repoUrl)}` : ""}: ${code(`git diff main...${upgrade.branch ?? ""}`)}`;
  const lines = [
    `👀 ${bold(`The upgrade to ${upgrade.toVersion}`)}`,
    where,
    ...conflictLines(upgrade.conflicts),
    testsVerdict(
      upgrade.testsPassed,
      upgrade.testsPassed === null ? "did not run" : upgrade.testsPassed ? "passed" : "failed",
    ),
    "",
    `The run ${code(upgrade.runId)} waits for you (up to 7 days; then the branch stays as it is).`,
  ];
  return { html: lines.join("\n"), keyboard: upgradeKeyboard(upgrade.runId, false) };
}
