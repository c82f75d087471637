/**
 * `git` jobs: a short sequence of git operations on one checkout in the job's workdir. Credentials
 * are never part of the spec: `credentials` names a job secret, which reaches git only through
 * `GIT_ASKPASS`, never a URL, the remote config, argv or a log line.
 */
import { z } from "zod";
import { EnvName } from "./values.ts";

/** A remote: https://, ssh://, git@host:path, file:// or a local path. No user:password inside. */
export const GitRemoteUrl = z
  .string()
  .min(1)
  .max(2048)
  .refine((url) => !url.startsWith("-"), "must not start with '-'")
  .refine(
    (url) => !/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(url) && !/^https?:\/\/[^/]*@/i.test(url),
    "must not carry credentials: name a job secret in `credentials` instead",
  );

/** A branch, tag or commit; git's own ref rules, and never something argv could read as an option. */
export const GitRef = z
  .string()
  .min(1)
  .max(255)
  .regex(/^(?!-)(?!.*\.\.)(?!.*\/\/)[^\s~^:?*[\\\p{Cc}]+(?<![./])$/u, "a git branch, tag or commit name");

export const GitAuthor = z.strictObject({
  name: z.string().min(1).max(200),
  email: z
    .string()
    .min(3)
    .max(320)
    .regex(/^[^\s<>@]+@[^\s<>@]+$/, "an email address"),
});
export type GitAuthor = z.infer<typeof GitAuthor>;

export const GitCredentials = z.strictObject({
  /** The user name git sends; tokens usually ignore it. */
  username: z.string().min(1).max(200).default("x-access-token"),
  /** The job secret that holds the password or token. */
  passwordSecret: EnvName,
});
export type GitCredentials = z.infer<typeof GitCredentials>;

export const GitStep = z.discriminatedUnion("op", [
  /** Clone `url` into the checkout directory, optionally at `ref`. */
  z.strictObject({
    op: z.literal("clone"),
    url: GitRemoteUrl,
    ref: GitRef.optional(),
    depth: z.number().int().min(1).max(1_000_000).optional(),
  }),
  /** Start a new repository in the checkout directory, with `remote` as origin. */
  z.strictObject({ op: z.literal("init"), branch: GitRef.default("main"), remote: GitRemoteUrl.optional() }),
  /** Switch to `ref`; with `create`, make it as a new branch from HEAD. */
  z.strictObject({ op: z.literal("checkout"), ref: GitRef, create: z.boolean().default(false) }),
  /** Stage everything and commit it; with nothing to commit the step records no commit. */
  z.strictObject({
    op: z.literal("commit"),
    message: z.string().min(1).max(65_536),
    author: GitAuthor,
    allowEmpty: z.boolean().default(false),
  }),
  /** Push the current branch (or `branch`) to `remote`. */
  z.strictObject({
    op: z.literal("push"),
    remote: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .default("origin"),
    branch: GitRef.optional(),
    force: z.boolean().default(false),
  }),
]);
export type GitStep = z.infer<typeof GitStep>;

export const GitSpec = z.strictObject({
  steps: z.array(GitStep).min(1).max(32),
  credentials: GitCredentials.optional(),
});
export type GitSpec = z.infer<typeof GitSpec>;

export const GitStepResult = z.strictObject({
  op: z.enum(["clone", "init", "checkout", "commit", "push"]),
  durationMs: z.number().nonnegative(),
  /** The commit the step made or checked out, when there is one. */
  commit: z.string().nullable(),
});

export const GitResult = z.strictObject({
  steps: z.array(GitStepResult),
  head: z.string().nullable(),
  branch: z.string().nullable(),
});
export type GitResult = z.infer<typeof GitResult>;
