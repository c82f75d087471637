/**
 * A `copier` job in update mode (`update: true`): the project's repository is cloned at a branch,
 * brought to a newer version of the template its answers file records, as `copier update` does
 * (the template's changes merged into the project's files, conflicts marked or left in `.rej`
 * files), and, with `publish`, committed and pushed as a new branch of the same repository.
 */
import { z } from "zod";
import { GitAuthor, GitCredentials, GitRef, GitRemoteUrl } from "./git.ts";
import { JsonValue } from "./values.ts";

export const CopierUpdateSpec = z.strictObject({
  update: z.literal(true),
  /** The project's repository and the branch to update. */
  project: z.strictObject({
    url: GitRemoteUrl,
    branch: GitRef.default("main"),
    credentials: GitCredentials.optional(),
  }),
  /** The template version to update to (default: its latest release). */
  vcsRef: GitRef.optional(),
  prereleases: z.boolean().default(false),
  /** New or changed answers; the recorded ones are kept. */
  data: z.record(z.string().max(200), JsonValue).default({}),
  /** New questions take their defaults (unattended). */
  defaults: z.boolean().default(true),
  /** Run the template's `_migrations` and `_tasks`. */
  trust: z.boolean().default(false),
  /** inline: conflict markers in the files; rej: the project's files kept, a `.rej` beside each. */
  conflict: z.enum(["inline", "rej"]).default("inline"),
  /** The answers file, relative to the project (default `.copier-answers.yml`). */
  answersFile: z.string().min(1).max(200).optional(),
  /** Commit the update and push it as `branch` (a new branch of the project's repository). */
  publish: z
    .strictObject({
      branch: GitRef,
      message: z.string().min(1).max(65_536).default("Update from template"),
      author: GitAuthor,
    })
    .optional(),
});
export type CopierUpdateSpec = z.infer<typeof CopierUpdateSpec>;

export const CopierUpdateResult = z.strictObject({
  /** `_commit` before and after. */
  from: z.string().nullable(),
  to: z.string().nullable(),
  /** Project files the update changed, by how, relative to the project. */
  merged: z.array(z.string()),
  added: z.array(z.string()),
  removed: z.array(z.string()),
  /** Files with conflict markers (inline) or a `.rej` beside them (rej). */
  conflicts: z.array(z.string()),
  answers: z.record(z.string(), JsonValue),
  messages: z.array(z.string()),
  /** The pushed branch; null without `publish`, or when the update changed nothing. */
  published: z.strictObject({ url: z.string(), branch: z.string(), commit: z.string() }).nullable(),
});
export type CopierUpdateResult = z.infer<typeof CopierUpdateResult>;
