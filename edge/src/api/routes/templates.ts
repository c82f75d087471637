/**
 * `/templates`: the catalog of Copier templates projects are built from. Everyone reads the ready
 * ones; admins register templates (202: checked by an executor, then `ready` or `invalid`),
 * change their manifest and remove them. The first use of the catalog registers the default
 * template.
 */

import {
  CreateTemplate,
  PageQuery,
  pageOf,
  Template,
  TemplateStatus,
  TemplateVersions,
  TemplateVersionsQuery,
  UpdateTemplate,
} from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { setTemplateManifest } from "../../domain/template-manifests.ts";
import { templateVersions } from "../../domain/template-upgrades.ts";
import { deleteTemplate, findTemplate, listTemplates, toTemplate } from "../../domain/templates.ts";
import { ensureBuiltinTemplatesChecked, recheckTemplate, registerTemplate } from "../../templates/launch.ts";
import {
  bodyErrors,
  commonErrors,
  conflictError,
  IdParam,
  json,
  jsonBody,
  router,
  security,
} from "../openapi.ts";
import { toPage } from "../pagination.ts";

const tags = ["templates"];

export const templatesRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/templates",
      operationId: "list_templates",
      tags,
      security,
      summary: "List templates: the ready ones, or (admins) all, or those of one status",
      request: { query: PageQuery.extend({ status: TemplateStatus.optional() }) },
      responses: { 200: json(pageOf(Template), "A page of templates"), ...commonErrors },
    }),
    async (c) => {
      const { status, ...page } = c.req.valid("query");
      await ensureBuiltinTemplatesChecked(c.env, c.get("db"));
      const rows = await listTemplates(c.get("db"), c.get("principal"), {
        status,
        after: page.cursor,
        limit: page.limit + 1,
      });
      return c.json(toPage(rows, page, toTemplate), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/templates",
      operationId: "register_template",
      tags,
      security,
      summary: "Register a template (admins); it is checked by an executor, then ready or invalid",
      request: { body: jsonBody(CreateTemplate) },
      responses: {
        202: json(Template, "The template, `checking`"),
        ...bodyErrors,
        ...conflictError,
      },
    }),
    async (c) => {
      const row = await registerTemplate(c.env, c.get("db"), c.get("principal"), c.req.valid("json"));
      return c.json(toTemplate(row), 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/templates/{id}",
      operationId: "get_template",
      tags,
      security,
      summary: "Get a template (members: ready ones only)",
      request: { params: IdParam },
      responses: { 200: json(Template, "The template"), ...commonErrors },
    }),
    async (c) => {
      await ensureBuiltinTemplatesChecked(c.env, c.get("db"));
      const row = await findTemplate(c.get("db"), c.get("principal"), c.req.valid("param").id);
      return c.json(toTemplate(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/templates/{id}",
      operationId: "update_template",
      tags,
      security,
      summary:
        "Change a template's manifest (admins): what its projects go by without an orchestrator.json; null removes it",
      request: { params: IdParam, body: jsonBody(UpdateTemplate) },
      responses: { 200: json(Template, "The template, as changed"), ...bodyErrors },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { manifest } = c.req.valid("json");
      const row = await setTemplateManifest(c.get("db"), c.get("principal"), id, manifest);
      return c.json(toTemplate(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/templates/{id}",
      operationId: "remove_template",
      tags,
      security,
      summary: "Remove a template from the catalog (admins; not the default one)",
      request: { params: IdParam },
      responses: { 204: { description: "Removed" }, ...commonErrors, ...conflictError },
    }),
    async (c) => {
      await deleteTemplate(c.get("db"), c.get("principal"), c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/templates/{id}/check",
      operationId: "check_template",
      tags,
      security,
      summary: "Check a ready git template for a newer release now (admins)",
      description:
        "The cron does this every TEMPLATE_RECHECK_HOURS. The template stays ready meanwhile; a newer release it finds offers each project built from it an `upgrade` run (TEMPLATE_UPGRADES). 409 for a built-in template or one that is not ready.",
      request: { params: IdParam },
      responses: {
        202: json(Template, "The template, as it is until the check ends"),
        ...commonErrors,
        ...conflictError,
      },
    }),
    async (c) => {
      const row = await recheckTemplate(c.env, c.get("db"), c.get("principal"), c.req.valid("param").id);
      return c.json(toTemplate(row), 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/template-versions",
      operationId: "list_template_versions",
      tags,
      security,
      summary: "Projects built from git templates: their version, the template's latest, their upgrade",
      description:
        "Admins see every project; members their own. `behind=true`: only the projects not at their template's latest release.",
      request: { query: TemplateVersionsQuery },
      responses: {
        200: json(TemplateVersions, "At most 500 projects, by template"),
        ...commonErrors,
      },
    }),
    async (c) => {
      const items = await templateVersions(c.get("db"), c.get("principal"), c.req.valid("query"));
      return c.json({ items }, 200);
    },
  );
