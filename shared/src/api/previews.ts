/** Previews: a project's branch deployed beside its production release, at a URL of its own. */
import { z } from "zod";
import { GitRef } from "../protocol/git.ts";
import { Timestamp, Ulid } from "./common.ts";

/** A branch name as git accepts it (`git check-ref-format --branch`). */
export const BranchName = GitRef.refine(
  (name) => !/(^|\/)\.|\.lock(\/|$)|@\{/.test(name) && name !== "@" && !name.startsWith("/"),
  "a git branch name",
).describe("a branch of the project's repository (`feature-x`, `fix/login`)");

export const CreatePreview = z.strictObject({ branch: BranchName }).meta({ id: "CreatePreview" });

export const PreviewStatus = z.enum(["deploying", "live", "failed", "removing"]);

export const Preview = z
  .object({
    branch: z.string(),
    slug: z.string().describe("the branch as a DNS label: `<slug>--<project>.<base domain>`"),
    url: z.string().describe("where the preview answers (once its run has deployed it)"),
    commit: z.string().nullable().describe("the branch's head commit it runs, once deployed"),
    status: PreviewStatus,
    runId: Ulid.describe("its latest run: the deploy, or the teardown while `removing`"),
    expiresAt: Timestamp.describe("when its TTL removes it (PREVIEW_TTL_HOURS after its last deploy)"),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "Preview" });
export type Preview = z.infer<typeof Preview>;
