/**
 * Which repositories a project may name. The server decides where repositories live (see
 * pipelines/steps/repository.ts); a member may only import one from a host the operator allows
 * (`REPO_ALLOWED_HOSTS`, https), never a `file://` URL, a local path or a loopback or private
 * address (the executor would clone it, and the Developer push to it). The operator's local set-up
 * (`npm start`, tests) may allow local repositories explicitly with `REPO_ALLOW_LOCAL=true`.
 *
 *   const policy = repoUrlPolicy(env);
 *   await assertRepoUrlAllowed(db, policy, "https://github.com/acme/shop.git", project.id);
 */
import { and, eq, isNull, ne } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projects } from "../db/schema.ts";
import type { SettingSource } from "../settings/define.ts";
import { type RepositorySettings, repositorySettings } from "../settings/repositories.ts";
import { ApiError, conflict } from "./errors.ts";

export interface RepoUrlPolicy {
  /** Host names (`github.com`) or wildcards (`*.example.com`) repositories may be imported from. */
  allowedHosts: string[];
  /** `file://`, `http://` and loopback or private hosts allowed (local set-ups only). */
  allowLocal: boolean;
}

/** The policy the Worker's vars set; with neither var, no repository can be imported. */
export function repoUrlPolicy(env: SettingSource<RepositorySettings>): RepoUrlPolicy {
  const settings = repositorySettings.read(env);
  return {
    allowedHosts: settings.REPO_ALLOWED_HOSTS.map((host) => host.toLowerCase()),
    allowLocal: settings.REPO_ALLOW_LOCAL,
  };
}

const refused = (message: string) => new ApiError(400, "invalid_request", message, { field: "repoUrl" });

/** 127/8, 10/8, 172.16/12, 192.168/16, 169.254/16, 0/8, 100.64/10, ::1, fc00::/7, fe80::/10, IPv4-mapped. */
function isLocalAddress(host: string): boolean {
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    );
  }
  if (!host.startsWith("[")) return host === "localhost" || host.endsWith(".localhost");
  const v6 = host.slice(1, -1);
  return v6 === "::" || v6 === "::1" || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || v6.startsWith("::ffff:");
}

const hostAllowed = (host: string, allowed: string[]) =>
  allowed.some((entry) => (entry.startsWith("*.") ? host.endsWith(entry.slice(1)) : host === entry));

/**
 * Why this URL may not be a project's repository, or null when it may. `anyPublicHost`: every
 * https host that is not a local address is allowed (templates).
 */
export function repoUrlRefusal(
  policy: RepoUrlPolicy,
  raw: string,
  options: { anyPublicHost?: boolean } = {},
): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "The repository URL is not a URL.";
  }
  if (url.username || url.password)
    return "A repository URL must not hold credentials: the system gets its own access.";
  if (
    policy.allowLocal &&
    (url.protocol === "file:" || url.protocol === "http:" || url.protocol === "https:")
  )
    return null;
  if (url.protocol !== "https:") return "Import a repository by its https URL.";
  const host = url.hostname.toLowerCase();
  if (isLocalAddress(host)) return "A repository on a local or private address cannot be imported.";
  if (options.anyPublicHost) return null;
  if (!hostAllowed(host, policy.allowedHosts))
    return policy.allowedHosts.length === 0
      ? "Importing repositories is not enabled on this server (the operator sets REPO_ALLOWED_HOSTS)."
      : `Repositories can be imported from ${policy.allowedHosts.join(", ")} only.`;
  return null;
}

/**
 * Why this URL may not be a template's repository, or null when it may. Admins choose templates,
 * so any public https host will do (`REPO_ALLOWED_HOSTS` is about what members import); local
 * repositories and addresses only where the operator allows them, as for projects: an executor
 * clones it.
 */
export function templateUrlRefusal(policy: RepoUrlPolicy, raw: string): string | null {
  return repoUrlRefusal({ ...policy, allowedHosts: [] }, raw, { anyPublicHost: true });
}

/**
 * Refuses a URL the policy does not allow (400), or one another live project records (409: one
 * project per repository, so no run of this project reads or pushes another's).
 */
export async function assertRepoUrlAllowed(
  db: Db,
  policy: RepoUrlPolicy,
  url: string,
  self?: string,
): Promise<void> {
  const refusal = repoUrlRefusal(policy, url);
  if (refusal) throw refused(refusal);
  const [other] = await db
    .select({ id: projects.id })
    .from(projects)
    .where(
      and(eq(projects.repoUrl, url), isNull(projects.deletedAt), self ? ne(projects.id, self) : undefined),
    )
    .limit(1);
  if (other) throw conflict("Another project already uses this repository.", { field: "repoUrl" });
}
