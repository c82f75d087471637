/**
 * `/projects/{id}/domain`: a custom domain of the owner's, served by the HTTPS proxy of the
 * project's server once the name resolves there; the DevOps run it starts writes the proxy's site.
 */
import { ProjectDomain, SetProjectDomain } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { ApiError, conflict } from "../../domain/errors.ts";
import { assertOwnDomain, domainTarget, domainUrl, setProjectDomain } from "../../domain/project-domains.ts";
import { assertRunQuota } from "../../domain/quotas.ts";
import type { RunRow } from "../../domain/runs.ts";
import type { AppContext } from "../../http/context.ts";
import { launchRun } from "../../pipelines/launch.ts";
import { pointsAt } from "../../servers/dns.ts";
import { serverSettings } from "../../settings/servers.ts";
import { projectFor } from "../access.ts";
import { bodyErrors, error, IdParam, json, jsonBody, router, security } from "../openapi.ts";

const tags = ["projects"];

/** The run is recorded; it stays queued (and says so) rather than failing the request. */
async function launch(c: AppContext, run: RunRow): Promise<void> {
  try {
    await launchRun(c.env, c.get("db"), run);
  } catch (err) {
    console.error(JSON.stringify({ event: "run.launch_failed", runId: run.id, error: String(err) }));
  }
}

export const projectDomainRoutes = router()
  .openapi(
    createRoute({
      method: "put",
      path: "/projects/{id}/domain",
      tags,
      security,
      summary: "Attach a custom domain to the project (owner or admin)",
      description:
        "The domain must already resolve (A/AAAA, or a CNAME chain) to the project's server, as the DNS-over-HTTPS resolver DNS_RESOLVER_URL sees it; when it does not, a 422 `dns_mismatch` names the record to create (`error.details.records`: an A record to the server's address, or a CNAME to the project's name under the server's base domain). Then a DevOps run deploys the project again, its server's proxy serving it at the domain too, with a certificate of its own.",
      request: { params: IdParam, body: jsonBody(SetProjectDomain) },
      responses: {
        202: json(ProjectDomain, "Set; the run that configures the proxy is queued"),
        ...bodyErrors,
        409: error(
          "The project has no server yet (`not_deployed`), its server no base domain (`no_proxy`), the domain is another project's or under the base domain, a DevOps run is in progress, or a quota is reached",
        ),
        422: error("The domain does not resolve to the server (`dns_mismatch`, with the records to create)"),
        503: error("The DNS resolver did not answer"),
      },
    }),
    async (c) => {
      const db = c.get("db");
      const { domain } = c.req.valid("json");
      const target = await domainTarget(db, c.get("principal"), c.req.valid("param").id);
      assertOwnDomain(target, domain);
      await assertRunQuota(c.env, db, c.get("principal"));
      const resolver = serverSettings.read(c.env).DNS_RESOLVER_URL;
      const check = await pointsAt(resolver, domain, target.host, target.site.domains[0] as string).catch(
        (err: unknown) => {
          throw new ApiError(503, "service_unavailable", `The DNS resolver did not answer: ${String(err)}`);
        },
      );
      if (!check.ok)
        throw new ApiError(422, "dns_mismatch", check.message, {
          records: check.records,
          found: check.found,
        });
      const run = await setProjectDomain(db, c.get("principal"), target.project, domain);
      await launch(c, run);
      return c.json({ domain, url: domainUrl(target.site, domain), runId: run.id }, 202);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/projects/{id}/domain",
      tags,
      security,
      summary: "Detach the project's custom domain (owner or admin)",
      description: "A DevOps run deploys the project again, its server's proxy no longer serving the domain.",
      request: { params: IdParam },
      responses: {
        202: json(ProjectDomain, "Removed; the run that configures the proxy is queued"),
        ...bodyErrors,
        409: error("The project has no custom domain (`no_domain`), or a DevOps run is in progress"),
      },
    }),
    async (c) => {
      const db = c.get("db");
      const project = await projectFor(c, c.req.valid("param").id);
      if (!project.customDomain)
        throw conflict(`${project.name} has no custom domain.`, { reason: "no_domain" });
      const run = await setProjectDomain(db, c.get("principal"), project, null);
      await launch(c, run);
      return c.json({ domain: null, url: null, runId: run.id }, 202);
    },
  );
