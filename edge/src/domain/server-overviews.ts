/**
 * The servers as the admins' console page shows them: each with what its port allocations take
 * (memory reserved, ports in use) and the allocations themselves, with their projects' names.
 *
 *   const overviews = await serverOverviews(db, actor);  // by server name
 */
import { asc, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { portAllocations, projects } from "../db/schema.ts";
import type { Actor } from "./actor.ts";
import { type ServerRow, serverUsage } from "./servers.ts";

export interface ServerAllocation {
  id: string;
  port: number;
  service: string;
  memoryMb: number;
  createdAt: Date;
  projectId: string;
  projectName: string;
  /** A deleted project holds its ports until its undeploy releases them. */
  projectDeleted: boolean;
}

export interface ServerOverview {
  server: ServerRow;
  /** Memory its allocations reserve, in MB. */
  reservedMb: number;
  portsInUse: number;
  /** By port. */
  allocations: ServerAllocation[];
}

/** Every server by name, with its allocations (admins). */
export async function serverOverviews(db: Db, actor: Actor): Promise<ServerOverview[]> {
  const usage = await serverUsage(db, actor);
  const rows = await db
    .select({ allocation: portAllocations, projectName: projects.name, deletedAt: projects.deletedAt })
    .from(portAllocations)
    .innerJoin(projects, eq(projects.id, portAllocations.projectId))
    .orderBy(asc(portAllocations.serverId), asc(portAllocations.port));
  const byServer = new Map<string, ServerAllocation[]>();
  for (const { allocation, projectName, deletedAt } of rows) {
    const list = byServer.get(allocation.serverId) ?? [];
    list.push({
      id: allocation.id,
      port: allocation.port,
      service: allocation.service,
      memoryMb: allocation.memoryMb,
      createdAt: allocation.createdAt,
      projectId: allocation.projectId,
      projectName,
      projectDeleted: deletedAt !== null,
    });
    byServer.set(allocation.serverId, list);
  }
  return usage.map(({ server, reserved, ports }) => ({
    server,
    reservedMb: Number(reserved),
    portsInUse: Number(ports),
    allocations: byServer.get(server.id) ?? [],
  }));
}
