/** `/servers/{id}/check`: an admin's server check now, besides the periodic ones. */
import { Server } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { toServer } from "../../domain/servers.ts";
import { checkServerNow } from "../../servers/check-server.ts";
import { commonErrors, error, IdParam, json, router, security } from "../openapi.ts";

export const serverChecksRoutes = router().openapi(
  createRoute({
    method: "post",
    path: "/servers/{id}/check",
    operationId: "check_server",
    tags: ["servers"],
    security,
    summary: "Check a server now (admins)",
    description:
      "An `ansible` job (`server_check`) in the server's pool (its `pool` label, else `default`) reads its free disk, available memory, load per core and service manager's state; the call waits for it up to SERVER_CHECK_WAIT_S (60 s by default). The verdict becomes the server's `lastCheck` and, unless the server is in `maintenance` or `offline`, its status: `active`, `degraded` (with the reasons) or `unreachable`, which opens an incident for the admins until a check reaches it again. The cron checks every server so every SERVER_CHECK_INTERVAL_S.",
    request: { params: IdParam },
    responses: {
      200: json(Server, "The server with its new lastCheck and status"),
      ...commonErrors,
      409: error("Its host key is not pinned (`error.details.reason`: `no_host_key`)"),
      503: error("No executor of the server's pool finished the check in time"),
    },
  }),
  async (c) => {
    const checked = await checkServerNow(c.env, c.get("db"), c.get("principal"), c.req.valid("param").id);
    return c.json(toServer(checked.server), 200);
  },
);
