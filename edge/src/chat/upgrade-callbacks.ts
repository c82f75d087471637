/**
 * The upgrade offer's buttons (`upg:m|l|s:<run id>`): merge and deploy, or skip this version,
 * answer the run (as `POST /runs/{id}/upgrade` does); look first shows where the branch is and
 * asks again, the run still waiting.
 */
import { findProject } from "../domain/projects.ts";
import { findRun } from "../domain/runs.ts";
import { upgradeOfRun } from "../domain/template-upgrades.ts";
import { decideUpgrade } from "../pipelines/upgrade/decision.ts";
import { code } from "../telegram/format.ts";
import type { ChatContext } from "./context.ts";
import { upgradeDetails } from "./upgrade-views.ts";

export async function upgradeButton(
  ctx: ChatContext,
  argument: string,
  press: { messageId: number | null },
): Promise<string | undefined> {
  const [letter = "", runId = ""] = argument.split(":");
  if (letter === "l") {
    // Only who may see the run's project may look (findRun: another member's run is not found).
    const run = await findRun(ctx.db, ctx.actor, runId);
    const upgrade = await upgradeOfRun(ctx.db, run.id);
    if (upgrade?.status !== "offered") return `The upgrade is ${upgrade?.status ?? "gone"}.`;
    const project = await findProject(ctx.db, ctx.actor, run.projectId);
    const view = upgradeDetails(upgrade, project.repoUrl);
    await ctx.channel.send(ctx.chatId, view.html, view.keyboard);
    return undefined;
  }
  if (letter !== "m" && letter !== "s") return "This button is no longer valid.";
  const choice = letter === "m" ? "merge" : "skip";
  await decideUpgrade(ctx.env, ctx.db, ctx.actor, runId, { choice });
  const verdict =
    choice === "merge" ? "🔀 Merging and deploying…" : "⏭ Skipped: this version is not offered again.";
  if (press.messageId) await ctx.channel.edit(ctx.chatId, press.messageId, `Run ${code(runId)}: ${verdict}`);
  return choice === "merge" ? "Merging" : "Skipped";
}
