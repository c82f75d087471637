/**
 * A job's own cost when its agent reports a session's running total. Claude Code's
 * `total_cost_usd` for a resumed session includes what the earlier jobs of that session spent
 * ($0.0024, then $0.0032 for a job whose own share was $0.0008), so booking it as is would count
 * every earlier iteration again. The executor is the one that knows whether a job resumed, so it
 * keeps each session's last reported total per named workspace (where sessions live), and reports
 * the difference.
 *
 * The ledger is a file beside the workspace, in the daemon's own directory: the agent (and the job
 * user it may run as) cannot reach it to make a job look cheaper.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { z } from "zod";

/** Sessions remembered per workspace: the newest; a session older than these is not resumed in practice. */
const MAX_SESSIONS = 50;

const Ledger = z.record(z.string(), z.number().nonnegative());

export interface JobCost {
  /** What this job spent. */
  costUsd: number | null;
  /** What the agent reported: the session's total when the agent reports totals, else the job's. */
  reportedUsd: number | null;
}

async function readLedger(file: string): Promise<Record<string, number>> {
  const text = await readFile(file, "utf8").catch(() => "{}");
  try {
    const parsed = Ledger.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** Floating-point differences of money rounded to a billionth of a dollar (0.0016 − 0.0008). */
const usd = (value: number) => Math.round(value * 1e9) / 1e9;

/**
 * The job's own cost from what the agent reported, and the session's total remembered for the next
 * job. `resumed` is the session the job went on with (none when it started afresh); `ledger` the
 * workspace's file, or null for a workspace that is thrown away (no later job can resume there).
 */
export async function ownCost(
  reportedUsd: number | null,
  sessionId: string | null,
  resumed: string | undefined,
  ledger: string | null,
  log: (line: string) => void,
): Promise<JobCost> {
  if (reportedUsd === null || ledger === null || sessionId === null)
    return { costUsd: reportedUsd, reportedUsd };
  const sessions = await readLedger(ledger);
  let costUsd = reportedUsd;
  if (resumed !== undefined && resumed === sessionId) {
    const before = sessions[sessionId];
    if (before === undefined)
      log(`session ${sessionId} has no earlier total here: its whole reported cost is booked to this job\n`);
    else costUsd = usd(Math.max(0, reportedUsd - before));
  }
  delete sessions[sessionId];
  const kept = Object.entries(sessions).slice(-(MAX_SESSIONS - 1));
  const next = Object.fromEntries([...kept, [sessionId, reportedUsd]]);
  // Written whole, then renamed: a crash mid-write leaves the old ledger, never half of one.
  await writeFile(`${ledger}.tmp`, JSON.stringify(next), { mode: 0o600 });
  await rename(`${ledger}.tmp`, ledger);
  return { costUsd, reportedUsd };
}
