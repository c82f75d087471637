/**
 * A project's incidents in D1 as its service monitor records them: opened with the failed checks
 * as evidence, the service's last log lines added when they are read, each recovery step appended
 * as it ends, resolved when the service is healthy again. (A failed release's incident is written
 * with the deployment: deployments.ts.)
 */
import type { CheckEvidence, Incident, IncidentAction, IncidentEvidence } from "@codegen-orchestrator/shared";
import { and, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { incidents } from "../db/schema.ts";

export type IncidentRow = typeof incidents.$inferSelect;

const seconds = (from: Date | null, to: Date | null) =>
  from && to ? Math.round((to.getTime() - from.getTime()) / 100) / 10 : null;

export const toIncident = (row: IncidentRow): Incident => ({
  id: row.id,
  projectId: row.projectId,
  serverId: row.serverId,
  deploymentId: row.deploymentId,
  kind: row.kind,
  severity: row.severity,
  message: row.message,
  evidence: row.evidence ?? null,
  actions: row.actions,
  startedAt: row.startedAt?.toISOString() ?? null,
  openedAt: row.openedAt.toISOString(),
  resolvedAt: row.resolvedAt?.toISOString() ?? null,
  detectSeconds: seconds(row.startedAt, row.openedAt),
  recoverSeconds: seconds(row.startedAt ?? row.openedAt, row.resolvedAt),
});

export interface NewServiceIncident {
  id: string;
  projectId: string;
  deploymentId: string;
  message: string;
  checks: CheckEvidence[];
  startedAt: number;
  openedAt: number;
}

/** Opens a `service_down` incident; opening the same one again changes nothing. */
export async function openServiceIncident(db: Db, input: NewServiceIncident): Promise<void> {
  const evidence: IncidentEvidence = { checks: input.checks, logs: [] };
  await db
    .insert(incidents)
    .values({
      id: input.id,
      projectId: input.projectId,
      deploymentId: input.deploymentId,
      kind: "service_down",
      severity: "critical",
      message: input.message.slice(0, 2000),
      evidence,
      startedAt: new Date(input.startedAt),
      openedAt: new Date(input.openedAt),
    })
    .onConflictDoNothing();
}

/** The service's last log lines (masked already), as the incident's evidence. */
export async function addIncidentLogs(db: Db, id: string, logs: string[]): Promise<void> {
  await db
    .update(incidents)
    .set({
      evidence: sql`json_set(COALESCE(${incidents.evidence}, '{"checks":[]}'), '$.logs', json(${JSON.stringify(logs)}))`,
    })
    .where(eq(incidents.id, id));
}

export async function recordIncidentAction(db: Db, id: string, action: IncidentAction): Promise<void> {
  await db
    .update(incidents)
    .set({ actions: sql`json_insert(${incidents.actions}, '$[#]', json(${JSON.stringify(action)}))` })
    .where(eq(incidents.id, id));
}

/** Closed at `at`, if still open. */
export async function resolveIncident(db: Db, id: string, at: number): Promise<void> {
  await db
    .update(incidents)
    .set({ resolvedAt: new Date(at) })
    .where(and(eq(incidents.id, id), sql`${incidents.resolvedAt} IS NULL`));
}

/** The project's incidents, newest first. */
export function projectIncidents(db: Db, projectId: string, limit = 20): Promise<IncidentRow[]> {
  return db
    .select()
    .from(incidents)
    .where(eq(incidents.projectId, projectId))
    .orderBy(desc(incidents.openedAt))
    .limit(limit);
}

/** The incident's evidence as recorded so far (null: no such incident, or none recorded). */
export async function incidentEvidence(db: Db, id: string): Promise<IncidentEvidence | null> {
  const [row] = await db.select({ evidence: incidents.evidence }).from(incidents).where(eq(incidents.id, id));
  return row?.evidence ?? null;
}
