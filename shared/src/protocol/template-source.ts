/**
 * Where a Copier template comes from, as jobs name it: a directory on the executor host, or a git
 * repository at a ref or at the newest tag that satisfies a version constraint.
 */
import { z } from "zod";
import { GitCredentials, GitRef, GitRemoteUrl } from "./git.ts";

/** A release as a constraint names it: `1`, `1.2`, `v1.2.3` (no pre-, post- or dev-releases). */
const RELEASE = String.raw`v?\d+(?:\.\d+)*`;
/** One PEP 440 specifier of the subset the executor implements (executor/src/scaffold/versions.ts). */
const SPECIFIER = String.raw`\s*(?:(?:==|!=)\s*${RELEASE}(?:\.\*)?|~=\s*v?\d+(?:\.\d+)+|(?:<=|>=|<|>)\s*${RELEASE})\s*`;

/**
 * A PEP 440 version constraint on a template's tags, specifiers joined by commas: `>=1.2,<2`,
 * `~=1.4`, `==1.*`, `!=1.3.0`. The newest matching tag that is not a pre-release wins.
 */
export const VersionConstraint = z
  .string()
  .max(200)
  .regex(
    new RegExp(`^${SPECIFIER}(?:,${SPECIFIER})*$`),
    "a PEP 440 constraint such as `>=1.2,<2` or `~=1.4` (==, !=, ~=, <, <=, >, >=; `.*` after == and !=)",
  );

export const TemplateSource = z.union([
  /** A directory on the executor host; relative paths resolve against its templates directory. */
  z.strictObject({ path: z.string().min(1).max(4096) }),
  /**
   * A git repository, cloned at `ref`, or at the newest tag matching `version`, else at its latest
   * release (the newest PEP 440 tag, as Copier takes it; HEAD when it has none), and cached per
   * commit.
   */
  z
    .strictObject({
      url: GitRemoteUrl,
      ref: GitRef.optional(),
      version: VersionConstraint.optional(),
      /** Without `ref` or `version`: the latest release may be a pre-release (`copier --prereleases`). */
      prereleases: z.boolean().optional(),
      credentials: GitCredentials.optional(),
    })
    .refine((source) => source.ref === undefined || source.version === undefined, {
      message: "name a ref or a version constraint, not both",
      path: ["version"],
    }),
]);
export type TemplateSource = z.infer<typeof TemplateSource>;
