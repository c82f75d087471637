import { and, count, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { portAllocations, projects, runs, users } from "../db/schema.ts";
import type { SettingSource } from "../settings/define.ts";
import { type QuotaSettings, quotaSettings } from "../settings/quotas.ts";
import { type Actor, isAdminActor } from "./actor.ts";
import { ApiError } from "./errors.ts";
import { ownActiveRuns } from "./runs.ts";

export type QuotaVars = SettingSource<QuotaSettings>;

export interface MemberQuotas {
  /** Projects not deleted. */
  projects: number;
  /** Runs queued, running or waiting for the member, across their projects. */
  activeRuns: number;
  /** Memory reserved by the port allocations of the member's projects, in MB. */
  memoryMb: number;
  /** Ports allocated to the member's projects. */
  ports: number;
}

export function memberQuotas(env: QuotaVars): MemberQuotas {
  const settings = quotaSettings.read(env);
  return {
    projects: settings.MEMBER_MAX_PROJECTS,
    activeRuns: settings.MEMBER_MAX_ACTIVE_RUNS,
    memoryMb: settings.MEMBER_MAX_MEMORY_MB,
    ports: settings.MEMBER_MAX_PORTS,
  };
}

/** Quota names as callers see them in `error.details.quota`. */
const QUOTA_NAMES: Record<keyof MemberQuotas, string> = {
  projects: "projects",
  activeRuns: "active_runs",
  memoryMb: "memory_mb",
  ports: "ports",
};

/** A quota a request would exceed: what the member is told, and `error.details`. */
export interface QuotaBreach {
  message: string;
  details: { quota: string; limit: number };
}

const breach = (quota: keyof MemberQuotas, limit: number, message: string): QuotaBreach => ({
  message: `Quota reached: ${message}`,
  details: { quota: QUOTA_NAMES[quota], limit },
});

const exceeded = (quota: keyof MemberQuotas, limit: number, message: string) => {
  const found = breach(quota, limit, message);
  return new ApiError(409, "quota_exceeded", found.message, found.details);
};

/** Before creating a project: the member may own at most `projects` live ones. */
export async function assertProjectQuota(env: QuotaVars, db: Db, actor: Actor): Promise<void> {
  if (isAdminActor(actor)) return;
  const limit = memberQuotas(env).projects;
  const live = await db.$count(projects, and(eq(projects.ownerId, actor.userId), isNull(projects.deletedAt)));
  if (live >= limit) {
    throw exceeded("projects", limit, `a member may have at most ${limit} projects; delete one first.`);
  }
}

/** Before starting a run: the member may have at most `activeRuns` queued, running or waiting. */
export async function assertRunQuota(env: QuotaVars, db: Db, actor: Actor): Promise<void> {
  if (isAdminActor(actor)) return;
  const limit = memberQuotas(env).activeRuns;
  const [row] = await db
    .select({ active: count() })
    .from(runs)
    .innerJoin(projects, eq(projects.id, runs.projectId))
    .where(ownActiveRuns(actor));
  if ((row?.active ?? 0) >= limit) {
    throw exceeded(
      "activeRuns",
      limit,
      `a member may have at most ${limit} runs in progress; wait for one to end or cancel it.`,
    );
  }
}

/**
 * For the allocator (which serialises allocations, so the count cannot race): why one more port
 * with `memoryMb` would take the project's owner past a quota, or null. The actor is the API's
 * caller or, for a deploy, the project's owner; an admin actor is exempt.
 */
export async function allocationQuotaError(
  db: Db,
  quotas: MemberQuotas,
  actorId: string,
  projectId: string,
  memoryMb: number,
): Promise<QuotaBreach | null> {
  const [[actor], [project]] = await db.batch([
    db.select({ role: users.role }).from(users).where(eq(users.id, actorId)),
    db.select({ ownerId: projects.ownerId }).from(projects).where(eq(projects.id, projectId)),
  ]);
  if (actor?.role === "admin" || !project) return null;
  const [held] = await db
    .select({
      ports: count(),
      memoryMb: sql<number>`coalesce(sum(${portAllocations.memoryMb}), 0)`,
    })
    .from(portAllocations)
    .innerJoin(projects, eq(projects.id, portAllocations.projectId))
    .where(eq(projects.ownerId, project.ownerId));
  const ports = held?.ports ?? 0;
  const reserved = Number(held?.memoryMb ?? 0);
  if (ports >= quotas.ports) {
    return breach("ports", quotas.ports, `a member's projects may hold at most ${quotas.ports} ports.`);
  }
  if (reserved + memoryMb > quotas.memoryMb) {
    return breach(
      "memoryMb",
      quotas.memoryMb,
      `a member's projects may reserve at most ${quotas.memoryMb} MB of memory in all ` +
        `(${reserved} MB reserved, ${memoryMb} MB asked).`,
    );
  }
  return null;
}
