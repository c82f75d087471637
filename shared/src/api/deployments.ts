/** A project's deployments: where and what it runs, and the site's certificate behind a proxy. */
import { z } from "zod";
import { TlsCertificate } from "../protocol/http-check.ts";
import { Timestamp } from "./common.ts";

export const Deployment = z
  .object({
    id: z.string(),
    status: z
      .string()
      .describe(
        "`deploying`, `deployed` (the live release: one at a time), `superseded`, `failed`, `undeployed`",
      ),
    url: z
      .string()
      .nullable()
      .describe("where users reach it: https://<project>.<base domain> behind a proxy"),
    commit: z.string().nullable().describe("the release: the commit it runs"),
    server: z.string().nullable().describe("the server's name"),
    createdAt: Timestamp,
    finishedAt: Timestamp.nullable(),
  })
  .meta({ id: "Deployment" });
export type Deployment = z.infer<typeof Deployment>;

export const ProjectDeployments = z
  .object({
    live: Deployment.nullable().describe("the release that serves now; null: nothing is deployed"),
    certificate: TlsCertificate.nullable().describe(
      "behind a proxy: the certificate the site answered the monitor's last check with; null before the first check, or without a proxy",
    ),
    items: z.array(Deployment).describe("the latest 20 deployments, newest first"),
  })
  .meta({ id: "ProjectDeployments" });
export type ProjectDeployments = z.infer<typeof ProjectDeployments>;
