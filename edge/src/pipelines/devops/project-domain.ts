/**
 * Attaching a custom domain to a project, shared by the API (`PUT/DELETE /projects/{id}/domain`)
 * and the chat (`/domain`): the name checked (a domain, not under the server's base domain), its
 * DNS checked to point at the project's server, then recorded with the DevOps run that deploys the
 * project again, its server's proxy serving the domain too.
 */
import type { ProjectDomain } from "@codegen-orchestrator/shared";
import type { Db } from "../../db/client.ts";
import type { Actor } from "../../domain/actor.ts";
import { ApiError, conflict } from "../../domain/errors.ts";
import { assertOwnDomain, domainTarget, domainUrl, setProjectDomain } from "../../domain/project-domains.ts";
import type { ProjectRow } from "../../domain/projects.ts";
import { assertRunQuota } from "../../domain/quotas.ts";
import type { RunRow } from "../../domain/runs.ts";
import type { Env } from "../../env.ts";
import { pointsAt } from "../../servers/dns.ts";
import { serverSettings } from "../../settings/servers.ts";
import { launchRun } from "../launch.ts";

/** The run is recorded; it stays queued (and says so) rather than failing the request. */
async function launch(env: Env, db: Db, run: RunRow): Promise<void> {
  try {
    await launchRun(env, db, run);
  } catch (err) {
    console.error(JSON.stringify({ event: "run.launch_failed", runId: run.id, error: String(err) }));
  }
}

/**
 * Attaches `domain` (already a checked DomainName) to the project: a 409 without a proxied
 * server, a 422 `dns_mismatch` naming the records to create, a 503 when the resolver is down.
 */
export async function attachDomain(
  env: Env,
  db: Db,
  actor: Actor,
  projectId: string,
  domain: string,
  chatId: number | null = null,
): Promise<ProjectDomain> {
  const target = await domainTarget(db, actor, projectId);
  assertOwnDomain(target, domain);
  await assertRunQuota(env, db, actor);
  const resolver = serverSettings.read(env).DNS_RESOLVER_URL;
  const siteName = target.site.domains[0] as string;
  const check = await pointsAt(resolver, domain, target.host, siteName).catch((err: unknown) => {
    throw new ApiError(503, "service_unavailable", `The DNS resolver did not answer: ${String(err)}`);
  });
  if (!check.ok)
    throw new ApiError(422, "dns_mismatch", check.message, { records: check.records, found: check.found });
  const run = await setProjectDomain(db, actor, target.project, domain, chatId);
  await launch(env, db, run);
  return { domain, url: domainUrl(target.site, domain), runId: run.id };
}

/** Detaches the project's custom domain (a 409 when it has none). */
export async function detachDomain(
  env: Env,
  db: Db,
  actor: Actor,
  project: ProjectRow,
  chatId: number | null = null,
): Promise<ProjectDomain> {
  if (!project.customDomain) throw conflict(`${project.name} has no custom domain.`, { reason: "no_domain" });
  const run = await setProjectDomain(db, actor, project, null, chatId);
  await launch(env, db, run);
  return { domain: null, url: null, runId: run.id };
}
