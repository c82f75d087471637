/**
 * Port allocations on D1. Allocating takes the first free port of a server's range (from 8000 by
 * default), on a given server or on the active server with the most free memory among those
 * carrying the requested labels, within the member's quotas. Callers serialise allocations (the
 * Allocator Durable Object); the UNIQUE(server, port) index is the last guard, and a collision is
 * retried. Listing and releasing follow the allocations' projects' visibility.
 *
 * A refusal's message reaches members (the API, and through deploys the chat and run timelines):
 * it never names a server or its free capacity. That detail is `serverDetail`, for admins and logs.
 *
 *   const outcome = await allocatePort(db, request, actorId, memberQuotas(env));  // serialised
 */
import type { Allocation, CreateAllocation } from "@codegen-orchestrator/shared";
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { violatedConstraint } from "../db/constraints.ts";
import { portAllocations, projects, servers } from "../db/schema.ts";
import { iso, newId } from "../ids.ts";
import { type Actor, isAdminActor } from "./actor.ts";
import { auditedBy, auditInsert } from "./audit.ts";
import { notFound } from "./errors.ts";
import { afterId, type Keyset } from "./keyset.ts";
import { allocationQuotaError, type MemberQuotas, type QuotaBreach } from "./quotas.ts";
import type { ServerRow } from "./servers.ts";
import { projectVisible } from "./visibility.ts";

type AllocationRow = typeof portAllocations.$inferSelect;

export const toAllocation = (row: AllocationRow): Allocation => ({ ...row, createdAt: iso(row.createdAt) });

export type AllocationRequest = Omit<CreateAllocation, "labels"> & { labels: Record<string, string> };

export interface AllocationRefusal {
  ok: false;
  status: 404 | 409;
  code: "not_found" | "no_capacity" | "quota_exceeded";
  /** Safe for the member who asked. */
  message: string;
  details?: QuotaBreach["details"];
  /** The server and what it lacks: for admins and logs only. */
  serverDetail?: string;
}

export type AllocationOutcome = { ok: true; allocation: Allocation } | AllocationRefusal;

interface ServerLoad {
  server: ServerRow;
  usedMemoryMb: number;
  portsInUse: number;
}

const MAX_ATTEMPTS = 3;

export async function allocatePort(
  db: Db,
  request: AllocationRequest,
  actorId: string,
  quotas: MemberQuotas,
): Promise<AllocationOutcome> {
  const overQuota = await allocationQuotaError(db, quotas, actorId, request.projectId, request.memoryMb);
  if (overQuota) return { ok: false, status: 409, code: "quota_exceeded", ...overQuota };
  for (let attempt = 1; ; attempt++) {
    const target = await chooseServer(db, request);
    if (!target.ok) return target;
    const port = await firstFreePort(db, target.server);
    if (port === null) return serverFull(`Server ${target.server.name} has no free port in its range.`);
    const allocation: Allocation = {
      id: newId(),
      serverId: target.server.id,
      port,
      projectId: request.projectId,
      service: request.service,
      memoryMb: request.memoryMb,
      createdAt: iso(new Date()),
    };
    try {
      await db.batch([
        db.insert(portAllocations).values({ ...allocation, createdAt: new Date(allocation.createdAt) }),
        auditInsert(db, actorId, {
          action: "allocation.create",
          targetType: "server",
          targetId: allocation.serverId,
          details: { port, projectId: request.projectId, service: request.service },
        }),
      ]);
      return { ok: true, allocation };
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || violatedConstraint(err) !== "unique") throw err;
    }
  }
}

async function chooseServer(
  db: Db,
  request: AllocationRequest,
): Promise<{ ok: true; server: ServerRow } | AllocationRefusal> {
  const loads = await serverLoads(db, request.serverId);
  if (request.serverId) {
    const [load] = loads;
    if (!load) return { ok: false, status: 404, code: "not_found", message: "No server with this id." };
    if (load.server.status !== "active")
      return serverFull(`Server ${load.server.name} is ${load.server.status}.`);
    if (freeMemory(load) < request.memoryMb) {
      return serverFull(
        `Server ${load.server.name} has ${freeMemory(load)} MB free; ${request.memoryMb} MB requested.`,
      );
    }
    return { ok: true, server: load.server };
  }
  const candidates = loads
    .filter(({ server }) => server.status === "active" && hasLabels(server, request.labels))
    .filter((load) => freeMemory(load) >= request.memoryMb && load.portsInUse < rangeSize(load.server))
    .sort((a, b) => freeMemory(b) - freeMemory(a) || a.server.name.localeCompare(b.server.name));
  const best = candidates[0];
  if (!best) return noCapacity("No active server with these labels has the memory and a free port.");
  return { ok: true, server: best.server };
}

async function serverLoads(db: Db, serverId: string | undefined): Promise<ServerLoad[]> {
  const rows = await db
    .select({
      server: servers,
      usedMemoryMb: sql<number>`coalesce(sum(${portAllocations.memoryMb}), 0)`,
      portsInUse: sql<number>`count(case when ${portAllocations.port} between ${servers.portRangeStart} and ${servers.portRangeEnd} then 1 end)`,
    })
    .from(servers)
    .leftJoin(portAllocations, eq(portAllocations.serverId, servers.id))
    .where(serverId ? eq(servers.id, serverId) : undefined)
    .groupBy(servers.id);
  return rows.map((row) => ({
    ...row,
    usedMemoryMb: Number(row.usedMemoryMb),
    portsInUse: Number(row.portsInUse),
  }));
}

async function firstFreePort(db: Db, server: ServerRow): Promise<number | null> {
  const taken = await db
    .select({ port: portAllocations.port })
    .from(portAllocations)
    .where(
      and(
        eq(portAllocations.serverId, server.id),
        sql`${portAllocations.port} between ${server.portRangeStart} and ${server.portRangeEnd}`,
      ),
    )
    .orderBy(asc(portAllocations.port));
  let candidate = server.portRangeStart;
  for (const { port } of taken) {
    if (port > candidate) break;
    candidate = port + 1;
  }
  return candidate <= server.portRangeEnd ? candidate : null;
}

const freeMemory = (load: ServerLoad) => load.server.memoryMb - load.usedMemoryMb;
const rangeSize = (server: ServerRow) => server.portRangeEnd - server.portRangeStart + 1;
const hasLabels = (server: ServerRow, wanted: Record<string, string>) =>
  Object.entries(wanted).every(([key, value]) => server.labels[key] === value);
const noCapacity = (message: string): AllocationRefusal => ({
  ok: false,
  status: 409,
  code: "no_capacity",
  message,
});
const serverFull = (serverDetail: string): AllocationRefusal => ({
  ...noCapacity(
    "The server cannot take this allocation: it is not active, or lacks the memory or a free port.",
  ),
  serverDetail,
});

export interface AllocationQuery extends Keyset {
  serverId?: string | undefined;
  projectId?: string | undefined;
}

/**
 * Allocations in id order: of the actor's projects, or (admins) all. A deleted project's are
 * listed while it holds them (until its undeploy releases them).
 */
export async function listAllocations(
  db: Db,
  actor: Actor,
  query: AllocationQuery,
): Promise<AllocationRow[]> {
  const rows = await db
    .select({ allocation: portAllocations })
    .from(portAllocations)
    .innerJoin(projects, eq(projects.id, portAllocations.projectId))
    .where(
      and(
        isAdminActor(actor) ? undefined : eq(projects.ownerId, actor.userId),
        query.serverId ? eq(portAllocations.serverId, query.serverId) : undefined,
        query.projectId ? eq(portAllocations.projectId, query.projectId) : undefined,
        afterId(portAllocations.id, query),
      ),
    )
    .orderBy(asc(portAllocations.id))
    .limit(query.limit);
  return rows.map((row) => row.allocation);
}

/** Releases an allocation of a project the actor may see (a deleted one's too). */
export async function releaseAllocation(db: Db, actor: Actor, id: string): Promise<void> {
  const [row] = await db.select().from(portAllocations).where(eq(portAllocations.id, id));
  if (!row || !(await projectVisible(db, actor, row.projectId))) throw notFound("allocation");
  await auditedBy(
    db,
    actor.userId,
    {
      action: "allocation.release",
      targetType: "server",
      targetId: row.serverId,
      details: { port: row.port, projectId: row.projectId, service: row.service },
    },
    db.delete(portAllocations).where(eq(portAllocations.id, row.id)),
  );
}
