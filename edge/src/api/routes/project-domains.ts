/**
 * `/projects/{id}/domain`: a custom domain of the owner's, served by the HTTPS proxy of the
 * project's server once the name resolves there; the DevOps run it starts writes the proxy's site.
 */
import { ProjectDomain, SetProjectDomain } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { attachDomain, detachDomain } from "../../pipelines/devops/project-domain.ts";
import { projectFor } from "../access.ts";
import { bodyErrors, error, IdParam, json, jsonBody, router, security } from "../openapi.ts";

const tags = ["projects"];

export const projectDomainRoutes = router()
  .openapi(
    createRoute({
      method: "put",
      path: "/projects/{id}/domain",
      operationId: "set_project_domain",
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
      const { id } = c.req.valid("param");
      const { domain } = c.req.valid("json");
      return c.json(await attachDomain(c.env, c.get("db"), c.get("principal"), id, domain), 202);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/projects/{id}/domain",
      operationId: "remove_project_domain",
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
      const project = await projectFor(c, c.req.valid("param").id);
      return c.json(await detachDomain(c.env, c.get("db"), c.get("principal"), project), 202);
    },
  );
