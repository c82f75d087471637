/**
 * Where a project's service runs, as D1 records it: its port allocation and that port's server
 * (a `Placement`, what a deploy needs of both), and the server's host key pinned at its first
 * contact.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { portAllocations, projects, servers } from "../db/schema.ts";
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
  /** The server's HTTPS proxy and the names it serves the project at; null: the server has none. */
  proxy: ProxySite | null;
  /** Where users reach the service: https://<project>.<baseDomain> behind a proxy, else http://host:port. */
  url: string;
  /**
   * The second port a release starts on beside the live one (blue-green, behind the proxy): the
   * project's allocation for STANDBY_SERVICE on the same server; null: releases restart in place.
   */
  standbyPort: number | null;
}

/** The allocation's service name of a project's standby port (blue-green releases). */
export const STANDBY_SERVICE = "web-standby";

/** The proxy's site for a project (ansible/README.md#deploy_project: proxy_*). */
export interface ProxySite {
  /** <project>.<baseDomain> first, then the project's custom domain, if any. */
  domains: string[];
  httpsPort: number;
  tls: "acme" | "internal";
  /**
   * The address the proxy listens on: a server reached on loopback is this very machine (tests, a
   * local stack), whose proxy must not open to the network; elsewhere every interface ("").
   */
  bind: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** The proxy's site for a project on a server, or null when the server has no base domain. */
export function proxySite(
  server: Pick<typeof servers.$inferSelect, "host" | "baseDomain" | "httpsPort" | "tls">,
  project: { resourceName: string; customDomain: string | null },
): ProxySite | null {
  if (!server.baseDomain) return null;
  const domains = [`${project.resourceName}.${server.baseDomain}`];
  if (project.customDomain) domains.push(project.customDomain);
  const bind = LOOPBACK.test(server.host) ? (server.host === "localhost" ? "127.0.0.1" : server.host) : "";
  return { domains, httpsPort: server.httpsPort, tls: server.tls, bind };
}

/** The URL users reach a proxied site at (the port only when not 443). */
export const siteUrl = (site: ProxySite, domain = site.domains[0]): string =>
  `https://${domain}${site.httpsPort === 443 ? "" : `:${site.httpsPort}`}`;

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

/** The project's allocation with its server, or null when the server (or project) no longer exists. */
export async function placementOf(
  db: Db,
  projectId: string,
  allocation: Allocation,
): Promise<Placement | null> {
  const [server] = await db.select().from(servers).where(eq(servers.id, allocation.serverId));
  const [project] = await db
    .select({ resourceName: projects.resourceName, customDomain: projects.customDomain })
    .from(projects)
    .where(eq(projects.id, projectId));
  if (!server || !project) return null;
  const host = server.host.includes(":") ? `[${server.host}]` : server.host;
  const proxy = proxySite(server, project);
  const standby = await allocationOf(db, projectId, STANDBY_SERVICE);
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
    proxy,
    url: proxy ? siteUrl(proxy) : `http://${host}:${allocation.port}`,
    standbyPort: proxy && standby?.serverId === server.id ? standby.port : null,
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
