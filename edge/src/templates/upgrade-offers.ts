/**
 * A newer release of a catalog template offers its projects their upgrade: an `upgrade` run per
 * project not at it and never offered it, started as the project's owner and reporting to the
 * owner's chat (like a fix run), unless TEMPLATE_UPGRADES is `off`. A project with an upgrade run
 * in progress (or a run that cannot start) is left for the next release or a start by hand.
 */
import { database } from "../db/client.ts";
import { startRun } from "../domain/runs.ts";
import { projectsToOffer } from "../domain/template-upgrades.ts";
import type { Env } from "../env.ts";
import { launchRun } from "../pipelines/launch.ts";
import { templateSettings } from "../settings/templates.ts";

/** At most this many runs per release and check (the next check offers the rest). */
const OFFERS_PER_CHECK = 50;

/** Starts the upgrade runs a template's newer release offers; how many started. */
export async function offerUpgrades(env: Env, templateId: string): Promise<number> {
  if (templateSettings.read(env).TEMPLATE_UPGRADES === "off") return 0;
  const db = database(env.DB);
  let started = 0;
  for (const { projectId, owner } of await projectsToOffer(db, templateId, OFFERS_PER_CHECK)) {
    try {
      const run = await startRun(db, owner, projectId, "upgrade");
      started++;
      // A launch that fails leaves the run queued: the cron launches it again.
      await launchRun(env, db, run).catch((err: unknown) =>
        console.error(JSON.stringify({ event: "run.launch_failed", runId: run.id, error: String(err) })),
      );
    } catch (err) {
      console.warn(JSON.stringify({ event: "upgrade.not_offered", projectId, error: String(err) }));
    }
  }
  return started;
}
