/**
 * `/projects/{id}/previews`: a branch deployed beside the project's production release, at
 * `https://<branch slug>--<project>.<base domain>` on its server, with its own user, directory,
 * port and environment (no production-only secret), until it is removed: by DELETE, by its TTL
 * (PREVIEW_TTL_HOURS), or when its branch is merged or deleted.
 */
import { CreatePreview, Preview } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { listPreviews, toPreview } from "../../domain/previews.ts";
import { askPreview, dropPreview } from "../../pipelines/devops/preview-requests.ts";
import { bodyErrors, commonErrors, error, IdParam, json, jsonBody, router, security } from "../openapi.ts";

const tags = ["projects"];
const BranchParam = z.object({
  id: IdParam.shape.id,
  branch: z
    .string()
    .min(1)
    .max(255)
    .describe("the preview's branch (URL-encoded: `fix%2Flogin`), or its slug"),
});

export const previewsRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/projects/{id}/previews",
      operationId: "deploy_preview",
      tags,
      security,
      summary: "Deploy a branch as a preview (owner or admin)",
      description:
        "A run of kind `preview` deploys the branch's head commit to the project's server beside its production release, at `https://<slug>--<project>.<base domain>` (the slug: the branch lower-cased, other characters `-`, at most 30 characters). Its environment is the project's, without the secrets marked `productionOnly`. Asking again for a branch that has a preview deploys its new head and restarts its TTL. The run's report, with the URL, goes to the project's chat.",
      request: { params: IdParam, body: jsonBody(CreatePreview) },
      responses: {
        202: json(Preview, "Recorded; its run is queued"),
        ...bodyErrors,
        409: error(
          "The project has no server yet (`not_deployed`) or no repository (`no_repository`), its server has no base domain (`no_base_domain`), the preview is being deployed or removed (`busy`), another branch has its slug (`slug_taken`), or a quota is reached: `error.details.reason`",
        ),
        422: error("The branch has no letter or digit to name the preview by"),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { branch } = c.req.valid("json");
      const preview = await askPreview(c.env, c.get("db"), c.get("principal"), id, branch);
      return c.json(toPreview(preview), 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/projects/{id}/previews",
      operationId: "list_previews",
      tags,
      security,
      summary: "List the project's previews: URL, commit, status and expiry",
      request: { params: IdParam },
      responses: {
        200: json(z.object({ items: z.array(Preview) }), "Its previews, by branch"),
        ...commonErrors,
      },
    }),
    async (c) => {
      const rows = await listPreviews(c.get("db"), c.get("principal"), c.req.valid("param").id);
      return c.json({ items: rows.map(toPreview) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/projects/{id}/previews/{branch}",
      operationId: "remove_preview",
      tags,
      security,
      summary: "Remove a branch's preview (owner or admin)",
      description:
        "A run of kind `preview_teardown` stops and removes its service, Unix user, files and proxy site on the server, then releases its port; its deploy, if one is in progress, is cancelled. The preview is listed as `removing` until then.",
      request: { params: BranchParam },
      responses: {
        202: json(Preview, "Being removed; its teardown run is queued"),
        ...commonErrors,
        409: error("Its teardown is in progress (`busy`); one that failed is tried again"),
      },
    }),
    async (c) => {
      const { id, branch } = c.req.valid("param");
      const preview = await dropPreview(c.env, c.get("db"), c.get("principal"), id, branch);
      return c.json(toPreview(preview), 202);
    },
  );
