/**
 * The GitHub App the pipelines use for project repositories, when configured: GITHUB_APP_ID,
 * GITHUB_APP_PRIVATE_KEY (a Worker secret) and GITHUB_OWNER (the organization the repositories
 * are created in) turn it on; the rest has defaults. None of it set: repositories live under
 * REPO_BASE_URL instead. Part of it set is an operator's mistake, reported as such.
 */
import { z } from "zod";
import type { Env } from "../env.ts";
import { githubSettings } from "../settings/github.ts";

export class GitHubConfigError extends Error {
  override name = "GitHubConfigError";
}

export interface GitHubAppConfig {
  appId: string;
  /** PEM, PKCS#1 (as GitHub hands it out) or PKCS#8. */
  privateKey: string;
  /** The organization the App is installed on and creates repositories in. */
  owner: string;
  /** Looked up from the owner when not given. */
  installationId: number | null;
  /** The REST API's base URL (GitHub Enterprise Server: `https://<host>/api/v3`). */
  apiUrl: string;
  /** Where repositories are cloned from over HTTPS: `<gitUrl>/<owner>/<name>.git`. */
  gitUrl: string;
  visibility: "private" | "public";
}

const trimmed = z.string().trim().min(1);
const origin = z
  .url({ protocol: /^https?$/ })
  .transform((url) => url.replace(/\/+$/, ""))
  .optional();
const Settings = z.object({
  GITHUB_APP_ID: z.string().trim().regex(/^\d+$/, "a number (the App's id)"),
  GITHUB_APP_PRIVATE_KEY: trimmed,
  GITHUB_OWNER: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "a GitHub organization name"),
  GITHUB_APP_INSTALLATION_ID: z.string().trim().regex(/^\d+$/, "a number").optional(),
  GITHUB_API_URL: origin,
  GITHUB_GIT_URL: origin,
  GITHUB_REPO_VISIBILITY: z.enum(["private", "public"]).optional(),
});

/** The App's settings, null when no App is configured; throws GitHubConfigError when they are wrong. */
export function githubAppConfig(env: Env): GitHubAppConfig | null {
  // Blank settings read as unset; the rules below are the ones that need all of them together.
  const raw = githubSettings.read(env);
  if (!raw.GITHUB_APP_ID && !raw.GITHUB_APP_PRIVATE_KEY && !raw.GITHUB_OWNER) return null;
  const parsed = Settings.safeParse(raw);
  if (!parsed.success) {
    // Names the setting and the rule, never the value (one of them is a private key).
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new GitHubConfigError(`The GitHub App is configured wrongly: ${problems.join("; ")}.`);
  }
  const settings = parsed.data;
  return {
    appId: settings.GITHUB_APP_ID,
    privateKey: settings.GITHUB_APP_PRIVATE_KEY,
    owner: settings.GITHUB_OWNER,
    installationId: settings.GITHUB_APP_INSTALLATION_ID ? Number(settings.GITHUB_APP_INSTALLATION_ID) : null,
    apiUrl: settings.GITHUB_API_URL ?? "https://api.github.com",
    gitUrl: settings.GITHUB_GIT_URL ?? "https://github.com",
    visibility: settings.GITHUB_REPO_VISIBILITY ?? "private",
  };
}

/** The repository's HTTPS clone URL. */
export const githubRepoUrl = (config: GitHubAppConfig, name: string) =>
  `${config.gitUrl}/${config.owner}/${name}.git`;

/** The repository's name when the URL is one of the App's repositories, else null. */
export function githubRepoName(config: GitHubAppConfig, url: string): string | null {
  const prefix = `${config.gitUrl}/${config.owner}/`.toLowerCase();
  if (!url.toLowerCase().startsWith(prefix) || !url.endsWith(".git")) return null;
  const name = url.slice(prefix.length, -".git".length);
  return /^[A-Za-z0-9._-]{1,100}$/.test(name) && name !== "." && name !== ".." ? name : null;
}
