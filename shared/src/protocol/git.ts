/**
 * `git` jobs: a short sequence of git operations on one checkout in the job's workdir. Credentials
 * are never part of the spec: `credentials` names a job secret, which reaches git only through
 * `GIT_ASKPASS`, never a URL, the remote config, argv or a log line. A `read` step returns the
 * text of a few files of the checkout, so that the hub can look into a repository it cannot reach.
 */
import { z } from "zod";
import { CatalogManifest } from "./catalog-manifest.ts";
import { ProjectProfile } from "./project-manifest.ts";
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

/** A `read` step's default limit on each file, in bytes. */
export const GIT_READ_DEFAULT_BYTES = 65_536;
/** The highest `maxBytes` a `read` step may ask for. */
export const GIT_READ_MAX_BYTES = 262_144;
/**
 * The most a job's `read` steps may return in all (the sum of `paths.length × maxBytes` over them),
 * so that the result stays well inside the protocol's frame limit (`MAX_FRAME_BYTES`, 256 KiB).
 */
export const GIT_READ_TOTAL_BYTES = 196_608;
/** The most a `profile` step adds to the result (its JSON); it counts against the same total. */
export const GIT_PROFILE_BYTES = 16_384;

/** A path inside the checkout, relative to its root, that cannot climb out of it lexically. */
export const GitCheckoutPath = z
  .string()
  .min(1)
  .max(500)
  .refine((p) => !/\p{Cc}/u.test(p), "must not contain NUL or other control characters")
  .refine((p) => !p.startsWith("/"), "must be relative to the checkout's root (no leading '/')")
  .refine((p) => !p.split("/").includes(".."), "must not contain a '..' segment");

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
  /**
   * Merge `ref` into the current branch: a local branch, a branch of a remote as `<remote>/<branch>`
   * (e.g. `origin/template-upgrade-v2`; fetched first when the clone did not bring it, as a
   * shallow clone, which takes only its own branch, does not; a shallow history is deepened when
   * the merge needs it), a tag or a commit. A fast-forward when possible, else a merge commit with
   * `message` as `author` (author and committer); `fastForwardOnly` refuses anything but a
   * fast-forward. A conflicting merge is aborted (`git merge --abort`), leaving the checkout as it
   * was, and the step fails naming the conflicting files ("merging <ref> conflicts in: a.txt,
   * b.txt"). The step's commit is HEAD after the merge (unchanged when `ref` is merged already).
   */
  z.strictObject({
    op: z.literal("merge"),
    ref: GitRef,
    message: z.string().min(1).max(65_536),
    author: GitAuthor,
    fastForwardOnly: z.boolean().default(false),
  }),
  /**
   * Read files of the checkout's working tree (as an earlier step left it) as UTF-8 text (a BOM is
   * dropped). A path with no regular file (missing, a directory, a symlink to nothing) reads as
   * null. The step fails, naming the path, for a file over `maxBytes` (never truncated), binary
   * content (a NUL byte), text that is not UTF-8, and a symlink, or a path through one, that
   * leads outside the checkout (symlinks within it are followed).
   */
  z.strictObject({
    op: z.literal("read"),
    paths: z.array(GitCheckoutPath).min(1).max(20),
    /** The limit on each file, in bytes. */
    maxBytes: z.number().int().min(1).max(GIT_READ_MAX_BYTES).default(GIT_READ_DEFAULT_BYTES),
  }),
  /**
   * The project's profile: its manifest's declarations, else the conventions its files follow
   * (how to test it, how to start it, its health path, a compose file with healthchecks), each
   * with where it came from. Fails, saying why, for a manifest that is there but unusable.
   * `manifest`: the template catalog's, for a repository without one of its own (it comes before
   * the conventions, and its decisions say so).
   */
  z.strictObject({ op: z.literal("profile"), manifest: CatalogManifest.optional() }),
]);
export type GitStep = z.infer<typeof GitStep>;

/** The most the read and profile steps of these steps may return: `paths.length × maxBytes`, summed, and each profile's bound. */
export function gitReadBudget(steps: readonly GitStep[]): number {
  let total = 0;
  for (const step of steps) {
    if (step.op === "read") total += step.paths.length * step.maxBytes;
    if (step.op === "profile") total += GIT_PROFILE_BYTES;
  }
  return total;
}

export const GitSpec = z
  .strictObject({
    steps: z.array(GitStep).min(1).max(32),
    credentials: GitCredentials.optional(),
  })
  .refine((spec) => gitReadBudget(spec.steps) <= GIT_READ_TOTAL_BYTES, {
    message: `read steps may return at most ${GIT_READ_TOTAL_BYTES} bytes in all (paths × maxBytes, summed over them): read fewer files or lower maxBytes`,
    path: ["steps"],
  });
export type GitSpec = z.infer<typeof GitSpec>;

export const GitStepResult = z
  .strictObject({
    op: z.enum(["clone", "init", "checkout", "commit", "push", "merge", "read", "profile"]),
    durationMs: z.number().nonnegative(),
    /** The commit the step made or checked out, when there is one. */
    commit: z.string().nullable(),
    /** Read steps only: each path's text, or null when there is no regular file at it. */
    files: z.record(z.string(), z.string().nullable()).optional(),
    /** Profile steps only: what the project says about itself, or what its files suggest. */
    profile: ProjectProfile.optional(),
  })
  .refine((step) => (step.op === "read") === (step.files !== undefined), {
    message: "`files` is there for read steps, and only for them",
    path: ["files"],
  })
  .refine((step) => (step.op === "profile") === (step.profile !== undefined), {
    message: "`profile` is there for profile steps, and only for them",
    path: ["profile"],
  });

export const GitResult = z.strictObject({
  steps: z.array(GitStepResult),
  head: z.string().nullable(),
  branch: z.string().nullable(),
});
export type GitResult = z.infer<typeof GitResult>;
