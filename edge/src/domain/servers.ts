/**
 * Servers as operations on D1: the hosts services are deployed to, which admins register, change
 * and remove (one that still holds port allocations stays). Members never see them.
 *
 *   const server = await createServer(db, actor, { name: "web-1", host: "10.0.0.5", ... });
 */
import type { CreateServer, Server, ServerStatus, UpdateServer } from "@codegen-orchestrator/shared";
import { and, asc, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import type { Db } from "../db/client.ts";
import { portAllocations, previews, servers } from "../db/schema.ts";
import { iso, newId } from "../ids.ts";
import { type Actor, assertAdminActor } from "./actor.ts";
import { auditedBy } from "./audit.ts";
import { conflict, notFound } from "./errors.ts";
import { afterId, type Keyset } from "./keyset.ts";

export type ServerRow = typeof servers.$inferSelect;

export const toServer = (row: ServerRow): Server => ({
  id: row.id,
  name: row.name,
  host: row.host,
  sshPort: row.sshPort,
  sshUser: row.sshUser,
  labels: row.labels,
  memoryMb: row.memoryMb,
  cpuCores: row.cpuCores,
  portRangeStart: row.portRangeStart,
  portRangeEnd: row.portRangeEnd,
  knownHosts: row.knownHosts,
  trustFirstHostKey: row.trustFirstHostKey,
  deployRoot: row.deployRoot,
  serviceManager: row.serviceManager,
  baseDomain: row.baseDomain,
  httpsPort: row.httpsPort,
  tls: row.tls,
  status: row.status,
  lastCheck: row.lastCheck,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

export async function findServer(db: Db, actor: Actor, id: string): Promise<ServerRow> {
  assertAdminActor(actor);
  const [row] = await db.select().from(servers).where(eq(servers.id, id));
  if (!row) throw notFound("server");
  return row;
}

async function assertNameFree(db: Db, name: string, self?: string) {
  const [other] = await db.select({ id: servers.id }).from(servers).where(eq(servers.name, name));
  if (other && other.id !== self) throw conflict(`A server named \`${name}\` exists.`, { field: "name" });
}

/** Servers in id order, of one status or all. */
export async function listServers(
  db: Db,
  actor: Actor,
  query: Keyset & { status?: z.infer<typeof ServerStatus> | undefined },
): Promise<ServerRow[]> {
  assertAdminActor(actor);
  return db
    .select()
    .from(servers)
    .where(and(query.status ? eq(servers.status, query.status) : undefined, afterId(servers.id, query)))
    .orderBy(asc(servers.id))
    .limit(query.limit);
}

export async function createServer(
  db: Db,
  actor: Actor,
  input: z.output<typeof CreateServer>,
): Promise<ServerRow> {
  assertAdminActor(actor);
  await assertNameFree(db, input.name);
  const now = new Date();
  const row: ServerRow = { id: newId(), ...input, lastCheck: null, createdAt: now, updatedAt: now };
  await auditedBy(
    db,
    actor.userId,
    { action: "server.create", targetType: "server", targetId: row.id, details: { name: row.name } },
    db.insert(servers).values(row),
  );
  return row;
}

export async function updateServer(
  db: Db,
  actor: Actor,
  id: string,
  changes: z.output<typeof UpdateServer>,
): Promise<ServerRow> {
  const current = await findServer(db, actor, id);
  const row: ServerRow = { ...current, ...changes, updatedAt: new Date() };
  if (row.portRangeStart > row.portRangeEnd) {
    throw conflict("portRangeStart must not exceed portRangeEnd.", { field: "portRangeEnd" });
  }
  if (changes.name !== undefined) await assertNameFree(db, changes.name, current.id);
  await auditedBy(
    db,
    actor.userId,
    {
      action: "server.update",
      targetType: "server",
      targetId: row.id,
      details: { fields: Object.keys(changes) },
    },
    db.update(servers).set(row).where(eq(servers.id, row.id)),
  );
  return row;
}

/** Removes a server that holds no port allocations. */
export async function deleteServer(db: Db, actor: Actor, id: string): Promise<void> {
  const server = await findServer(db, actor, id);
  const allocations = await db.$count(portAllocations, eq(portAllocations.serverId, server.id));
  if (allocations > 0) {
    throw conflict(`Server ${server.name} holds ${allocations} allocations; release them first.`, {
      allocations,
    });
  }
  // A preview's row outlives its port until its teardown has removed it from the server.
  const previewsThere = await db.$count(previews, eq(previews.serverId, server.id));
  if (previewsThere > 0)
    throw conflict(`Server ${server.name} still holds ${previewsThere} previews being removed.`, {
      previews: previewsThere,
    });
  await auditedBy(
    db,
    actor.userId,
    { action: "server.delete", targetType: "server", targetId: server.id, details: { name: server.name } },
    db.delete(servers).where(eq(servers.id, server.id)),
  );
}

export interface ServerUsage {
  server: ServerRow;
  /** Memory reserved by its port allocations, in MB. */
  reserved: number;
  /** Its port allocations. */
  ports: number;
}

/** Every server with what its allocations take, by name. */
export async function serverUsage(db: Db, actor: Actor): Promise<ServerUsage[]> {
  assertAdminActor(actor);
  return db
    .select({
      server: servers,
      reserved: sql<number>`COALESCE(SUM(${portAllocations.memoryMb}), 0)`,
      ports: sql<number>`COUNT(${portAllocations.id})`,
    })
    .from(servers)
    .leftJoin(portAllocations, eq(portAllocations.serverId, servers.id))
    .groupBy(servers.id)
    .orderBy(servers.name);
}
