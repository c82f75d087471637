/**
 * Template upgrades: a project scaffolded from a catalog template at one version, brought to the
 * template's latest on a branch by an `upgrade` run, tested, then merged and deployed or skipped
 * by its owner. `GET /template-versions` lists the projects and where each stands.
 */
import { z } from "zod";
import { Slug, Timestamp, Ulid } from "./common.ts";

export const UpgradeStatus = z.enum(["running", "offered", "merged", "skipped", "expired", "failed"]);
export type UpgradeStatus = z.infer<typeof UpgradeStatus>;

/** One upgrade of a project to a template version, as its run left it. */
export const TemplateUpgrade = z
  .object({
    runId: Ulid,
    fromVersion: z.string().nullable(),
    toVersion: z.string(),
    status: UpgradeStatus.describe(
      "running; offered (the branch is pushed and tested, the owner decides); merged; skipped (this version is not offered again); expired (no answer in 7 days: the branch stays); failed",
    ),
    branch: z.string().nullable().describe("the upgrade's branch in the project's repository"),
    commit: z.string().nullable(),
    pullRequestUrl: z.string().nullable().describe("with the GitHub App: the pull request opened for it"),
    testsPassed: z.boolean().nullable(),
    conflicts: z.array(z.string()).describe("files left with conflict markers"),
    error: z.string().nullable(),
    createdAt: Timestamp,
    decidedAt: Timestamp.nullable(),
  })
  .meta({ id: "TemplateUpgrade" });
export type TemplateUpgrade = z.infer<typeof TemplateUpgrade>;

/** A project built from a git catalog template: its version, the template's latest, its last upgrade. */
export const ProjectTemplateVersion = z
  .object({
    project: z.object({ id: Ulid, name: z.string(), slug: Slug }),
    template: z.object({ id: Ulid, name: z.string() }),
    version: z.string().nullable().describe("the template version the project's code is at"),
    latest: z.string().nullable().describe("the version the template's last check resolved"),
    behind: z.boolean().describe("the project is not at the template's latest version"),
    upgrade: TemplateUpgrade.nullable().describe("its upgrade to `latest`, when one was started"),
  })
  .meta({ id: "ProjectTemplateVersion" });
export type ProjectTemplateVersion = z.infer<typeof ProjectTemplateVersion>;

/** `GET /template-versions`: at most 500 projects, by template. */
export const TemplateVersions = z
  .object({ items: z.array(ProjectTemplateVersion) })
  .meta({ id: "TemplateVersions" });
export type TemplateVersions = z.infer<typeof TemplateVersions>;

export const TemplateVersionsQuery = z.strictObject({
  behind: z
    .enum(["true", "false"])
    .transform((value) => value === "true")
    .optional()
    .describe("only the projects behind (`true`) or at (`false`) their template's latest version"),
  template: Ulid.optional().describe("only this template's projects"),
});
