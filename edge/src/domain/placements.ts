/**
 * Where a project's service runs, as D1 records it: its port allocation and that port's server
 * (a `Placement`, what a deploy needs of both), and the server's host key pinned at its first
 * contact.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { portAllocations, servers } from "../db/schema.ts";
import { auditedBy } from "./audit.ts";

export interface Placement {
  serverId: string;
  serverName: string;
  port: number;
  host: string;
  sshPort: number;
  sshUser: string;
  knownHosts: string | null;
  /** No key pinned yet: the admin allowed the first one presented to be recorded. */
  trustFirstHostKey: boolean;
  deployRoot: string;
  serviceManager: "auto" | "compose" | "systemd" | "process";
  url: string;
}

/** A port allocated to a project's service, on a server. */
export interface Allocation {
  serverId: string;
  port: number;
}

/** The project's allocation for this service, if it has one. */
export async function allocationOf(
  db: Db,
  projectId: string,
  service: string,
): Promise<Allocation | undefined> {
  const [allocation] = await db
    .select({ serverId: portAllocations.serverId, port: portAllocations.port })
    .from(portAllocations)
    .where(and(eq(portAllocations.projectId, projectId), eq(portAllocations.service, service)));
  return allocation;
}

/** The allocation with its server, or null when the server no longer exists. */
export async function placementOf(db: Db, allocation: Allocation): Promise<Placement | null> {
  const [server] = await db.select().from(servers).where(eq(servers.id, allocation.serverId));
  if (!server) return null;
  const host = server.host.includes(":") ? `[${server.host}]` : server.host;
  return {
    serverId: server.id,
    serverName: server.name,
    port: allocation.port,
    host: server.host,
    sshPort: server.sshPort,
    sshUser: server.sshUser,
    knownHosts: server.knownHosts,
    trustFirstHostKey: server.trustFirstHostKey,
    deployRoot: server.deployRoot,
    serviceManager: server.serviceManager,
    url: `http://${host}:${allocation.port}`,
  };
}

/**
 * Pins the key a server presented at its first contact, if the admin allowed that and no key is
 * pinned yet (never replacing one), turning the allowance off; the audit log shows the admin the key.
 */
export async function recordFirstHostKey(db: Db, serverId: string, hostKey: string, runId: string) {
  const recorded = await db
    .update(servers)
    .set({ knownHosts: hostKey, trustFirstHostKey: false, updatedAt: new Date() })
    .where(and(eq(servers.id, serverId), isNull(servers.knownHosts), eq(servers.trustFirstHostKey, true)))
    .returning({ id: servers.id });
  if (recorded.length > 0)
    await auditedBy(db, null, {
      action: "server.host_key_recorded",
      targetType: "server",
      targetId: serverId,
      details: { knownHosts: hostKey, runId },
    });
}
