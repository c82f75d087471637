/**
 * Template versions: the PEP 440 subset Copier's tags need. A tag is a version when it reads as
 * one (`v1.2.3`, `1.2`, `2.0.0rc1`, `1.0.post1`); a constraint is specifiers joined by commas
 * (`>=1.2,<2`, `~=1.4`, `==1.*`, `!=1.3.0`), all of which must hold. Pre- and dev-releases never
 * match (Copier leaves them out unless asked). Not supported: epochs (`1!2.0`), local versions
 * (`+ubuntu1`), `===`, and pre-releases inside a constraint; such tags are not versions here.
 *
 *   newestMatching(["v1.0.0", "v1.2.0", "v2.0.0rc1"], ">=1,<2") // → "v1.2.0"
 */

export interface Version {
  release: number[];
  /** `a`, `b` or `rc` and its number: a pre-release. */
  pre: [string, number] | null;
  post: number | null;
  dev: number | null;
}

type Operator = "==" | "!=" | "~=" | "<=" | ">=" | "<" | ">";

interface Specifier {
  operator: Operator;
  version: Version;
  /** `==1.2.*` / `!=1.2.*`: a prefix match on the release. */
  prefix: boolean;
}

const PRE_SPELLINGS: Record<string, string> = {
  a: "a",
  alpha: "a",
  b: "b",
  beta: "b",
  c: "rc",
  rc: "rc",
  pre: "rc",
  preview: "rc",
};

// PEP 440's normalisation, spelled out: separators `.`, `-`, `_` (or none) before each part.
const VERSION =
  /^v?(?<release>\d+(?:\.\d+)*)(?:[-_.]?(?<pre>alpha|beta|preview|pre|a|b|c|rc)[-_.]?(?<preN>\d*))?(?:-(?<postImplicit>\d+)|[-_.]?(?<post>post|rev|r)[-_.]?(?<postN>\d*))?(?:[-_.]?(?<dev>dev)[-_.]?(?<devN>\d*))?$/i;

/** The version a tag names, or null when it names none. */
export function parseVersion(text: string): Version | null {
  const groups = VERSION.exec(text.trim())?.groups;
  if (!groups) return null;
  const { release, pre, preN, postImplicit, post, postN, dev, devN } = groups;
  return {
    release: (release as string).split(".").map(Number),
    pre: pre ? [PRE_SPELLINGS[pre.toLowerCase()] as string, Number(preN || 0)] : null,
    post: postImplicit !== undefined ? Number(postImplicit) : post ? Number(postN || 0) : null,
    dev: dev ? Number(devN || 0) : null,
  };
}

export const isPrerelease = (version: Version) => version.pre !== null || version.dev !== null;

function compareReleases(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

const PRE_ORDER = { a: 0, b: 1, rc: 2 } as Record<string, number>;

/** PEP 440 order: dev < pre < final < post, within one release. */
export function compareVersions(a: Version, b: Version): number {
  const release = compareReleases(a.release, b.release);
  if (release !== 0) return release;
  const key = (v: Version): number[] => [
    // A dev-release of the final version sorts before its pre-releases.
    v.pre ? (PRE_ORDER[v.pre[0]] as number) : v.dev !== null && v.post === null ? -1 : 3,
    v.pre ? v.pre[1] : 0,
    v.post ?? -1,
    // Not a dev-release: after every dev-release of the same version.
    v.dev ?? Number.MAX_SAFE_INTEGER,
  ];
  const [ka, kb] = [key(a), key(b)];
  for (let i = 0; i < ka.length; i++) {
    const difference = (ka[i] as number) - (kb[i] as number);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

const SPECIFIER = /^(==|!=|~=|<=|>=|<|>)\s*(v?\d+(?:\.\d+)*)(\.\*)?$/;

/** The specifiers of a constraint; throws a readable Error when it is not one this module supports. */
export function parseConstraint(constraint: string): Specifier[] {
  return constraint.split(",").map((part) => {
    const match = SPECIFIER.exec(part.trim());
    if (!match) throw new Error(`not a supported version specifier: "${part.trim()}"`);
    const [, operator, release, wildcard] = match as unknown as [string, Operator, string, string?];
    const version = parseVersion(release) as Version;
    if (wildcard && operator !== "==" && operator !== "!=")
      throw new Error(`\`.*\` only follows == or !=: "${part.trim()}"`);
    if (operator === "~=" && version.release.length < 2)
      throw new Error(`~= needs at least two release numbers: "${part.trim()}"`);
    return { operator, version, prefix: Boolean(wildcard) };
  });
}

const startsWith = (release: number[], prefix: number[]) => prefix.every((n, i) => (release[i] ?? 0) === n);

function satisfies(version: Version, { operator, version: bound, prefix }: Specifier): boolean {
  const order = compareVersions(version, bound);
  switch (operator) {
    case "==":
      return prefix ? startsWith(version.release, bound.release) : order === 0;
    case "!=":
      return prefix ? !startsWith(version.release, bound.release) : order !== 0;
    case "~=":
      // ~=1.4.5 is >=1.4.5 with 1.4.* ; ~=1.4 is >=1.4 with 1.*
      return order >= 0 && startsWith(version.release, bound.release.slice(0, -1));
    case "<=":
      return order <= 0;
    case ">=":
      return order >= 0;
    case "<":
      return order < 0;
    case ">":
      // A post-release of the bound itself is not "greater" (PEP 440).
      return order > 0 && !(bound.post === null && compareReleases(version.release, bound.release) === 0);
  }
}

/** Whether a version satisfies every specifier of the constraint; pre-releases never do. */
export function matchesConstraint(version: Version, specifiers: Specifier[]): boolean {
  return !isPrerelease(version) && specifiers.every((specifier) => satisfies(version, specifier));
}

/**
 * Copier's default ref: the tag of the newest version (PEP 440 order) among the tags that read as
 * one, pre-releases only when asked; null when no tag does.
 */
export function newestRelease(tags: Iterable<string>, prereleases = false): string | null {
  let best: { tag: string; version: Version } | null = null;
  for (const tag of tags) {
    const version = parseVersion(tag);
    if (!version || (isPrerelease(version) && !prereleases)) continue;
    if (!best || compareVersions(version, best.version) > 0) best = { tag, version };
  }
  return best?.tag ?? null;
}

/** The tag naming the newest version that satisfies the constraint, or null. */
export function newestMatching(tags: Iterable<string>, constraint: string): string | null {
  const specifiers = parseConstraint(constraint);
  let best: { tag: string; version: Version } | null = null;
  for (const tag of tags) {
    const version = parseVersion(tag);
    if (!version || !matchesConstraint(version, specifiers)) continue;
    if (!best || compareVersions(version, best.version) > 0) best = { tag, version };
  }
  return best?.tag ?? null;
}
