/**
 * A project's custom domain as D1 records it: the server that would serve it (the project's
 * allocation's, which must have a base domain, hence a proxy), and the change itself, written with
 * the DevOps run that configures the proxy (one audit row for both).
 *
 *   const { project, site } = await domainTarget(db, actor, projectId);
 *   const run = await setProjectDomain(db, actor, project, "shop.example.com");
 */
import { and, eq, ne } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projects, runs, servers } from "../db/schema.ts";
import type { Actor } from "./actor.ts";
import { auditedBy } from "./audit.ts";
import { conflict } from "./errors.ts";
import { allocationOf, type ProxySite, proxySite, siteUrl } from "./placements.ts";
import { findProject, type ProjectRow } from "./projects.ts";
import { assertNoActiveRun, queuedRun, type RunRow } from "./runs.ts";

/** The service a project's allocation is for (pipelines/devops/allocate.ts: one per project). */
const SERVICE = "web";

export interface DomainTarget {
  project: ProjectRow;
  /** The server's address (what an A record names) and its proxy's site for the project. */
  host: string;
  baseDomain: string;
  site: ProxySite;
}

/** The project and the proxy of its server; a 409 when it has no server yet, or one without a proxy. */
export async function domainTarget(db: Db, actor: Actor, projectId: string): Promise<DomainTarget> {
  const project = await findProject(db, actor, projectId);
  const allocation = await allocationOf(db, project.id, SERVICE);
  const [server] = allocation
    ? await db.select().from(servers).where(eq(servers.id, allocation.serverId))
    : [];
  if (!server)
    throw conflict(`${project.name} has no server yet: deploy it first, then attach a domain.`, {
      reason: "not_deployed",
    });
  const site = proxySite(server, project);
  if (!site || !server.baseDomain)
    throw conflict(
      `${project.name}'s server ${server.name} has no base domain, so no HTTPS proxy to serve a domain: an admin sets one (PATCH /servers/{id}).`,
      { reason: "no_proxy" },
    );
  return { project, host: server.host, baseDomain: server.baseDomain, site };
}

/** Where the project answers on its custom domain, or null without one. */
export const domainUrl = (site: ProxySite, domain: string | null): string | null =>
  domain ? siteUrl(site, domain) : null;

/**
 * Sets (or, with null, removes) the project's custom domain and queues the DevOps run that
 * writes it into the server's proxy; a domain another project holds is a 409.
 */
/** A name under the base domain is the proxy's own (another project's site, say): never a custom domain. */
export function assertOwnDomain(target: DomainTarget, domain: string): void {
  if (domain === target.baseDomain || domain.endsWith(`.${target.baseDomain}`))
    throw conflict(
      `${domain} is under the server's base domain ${target.baseDomain}, whose names are the projects' own; the project already answers at ${target.site.domains[0]}.`,
      { field: "domain" },
    );
}

export async function setProjectDomain(
  db: Db,
  actor: Actor,
  project: ProjectRow,
  domain: string | null,
  chatId: number | null = null,
): Promise<RunRow> {
  if (domain) {
    const [holder] = await db
      .select({ id: projects.id })
      .from(projects)
      .where(and(eq(projects.customDomain, domain), ne(projects.id, project.id)));
    if (holder) throw conflict(`${domain} is another project's domain.`, { field: "domain" });
  }
  await assertNoActiveRun(db, project, "devops");
  const run = queuedRun(project.id, "devops", chatId);
  await auditedBy(
    db,
    actor.userId,
    {
      action: domain ? "project.domain_set" : "project.domain_removed",
      targetType: "project",
      targetId: project.id,
      details: { domain: domain ?? project.customDomain, runId: run.id },
    },
    db
      .update(projects)
      .set({ customDomain: domain, updatedAt: new Date() })
      .where(eq(projects.id, project.id)),
    db.insert(runs).values(run),
  );
  return run;
}
