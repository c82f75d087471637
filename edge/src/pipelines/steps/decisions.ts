/**
 * Human escalation: after the last fix iteration the run waits (`waitForApproval`) for its user's
 * decision, asked in the chat with buttons or given through the API. Each question has its own
 * event type (`decision-<n>`), so a late or repeated answer can never answer a later question; a
 * decision is accepted once (the run goes from `waiting` to `running` in one conditional write)
 * and only then sent to the workflow.
 */
import type { RunDecision } from "@codegen-orchestrator/shared";
import { and, desc, eq, like } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { runSteps, runs } from "../../db/schema.ts";
import type { Actor } from "../../domain/actor.ts";
import { auditInsert } from "../../domain/audit.ts";
import { conflict } from "../../domain/errors.ts";
import { findRun, type RunRow } from "../../domain/runs.ts";
import type { Env } from "../../env.ts";
import { workflowOf } from "../launch.ts";

/** The timeline step of the n-th question, and the event that answers it. */
export const decisionStep = (n: number) => `decision ${n}`;
export const decisionEvent = (n: number) => `decision-${n}`;

/** What `waitForApproval` reads: the SDK's approval payload, our decision as its metadata. */
interface ApprovalPayload {
  approved: boolean;
  reason?: string;
  metadata: RunDecision;
}

export async function decideRun(
  env: Env,
  db: Db,
  actor: Actor,
  runId: string,
  decision: RunDecision,
): Promise<RunRow> {
  const run = await findRun(db, actor, runId);
  const workflow = workflowOf(run);
  const [open] = await db
    .select({ name: runSteps.name })
    .from(runSteps)
    .where(and(eq(runSteps.runId, run.id), eq(runSteps.status, "running"), like(runSteps.name, "decision %")))
    .orderBy(desc(runSteps.startedAt))
    .limit(1);
  const n = Number(open?.name.slice("decision ".length));
  if (run.status !== "waiting" || !open || !Number.isSafeInteger(n) || !workflow || !run.workflowInstanceId)
    throw conflict(`Run ${run.id} is not waiting for a decision (it is ${run.status}).`);
  const accepted = await db
    .update(runs)
    .set({ status: "running" })
    .where(and(eq(runs.id, run.id), eq(runs.status, "waiting")))
    .returning({ id: runs.id });
  if (accepted.length === 0) throw conflict(`Run ${run.id} was decided already.`);
  await auditInsert(db, actor.userId, {
    action: "run.decide",
    targetType: "run",
    targetId: run.id,
    details: { choice: decision.choice, guidance: decision.guidance !== undefined },
  });
  const payload: ApprovalPayload = {
    approved: decision.choice !== "stop",
    ...(decision.choice === "stop" ? { reason: "Stopped by the user." } : {}),
    metadata: decision,
  };
  const binding = env[workflow];
  if (!binding) throw conflict(`This server has no ${workflow} binding.`);
  const instance = await binding.get(run.workflowInstanceId);
  try {
    await instance.sendEvent({ type: decisionEvent(n), payload });
  } catch (err) {
    // Not delivered: the run still waits, and the user may decide again.
    await db
      .update(runs)
      .set({ status: "waiting" })
      .where(and(eq(runs.id, run.id), eq(runs.status, "running")));
    throw err;
  }
  return { ...run, status: "running" };
}
