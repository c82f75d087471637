/**
 * Where a project's repository lives, and how its jobs get in. With a GitHub App configured, the
 * repository is `<GITHUB_GIT_URL>/<GITHUB_OWNER>/<name>.git`, created through the App, and every
 * job that clones or pushes it gets a token for that one repository, minted by the hub when it
 * sends the job (a `{ github }` secret reference: no token is ever in a spec, a step or a log).
 * Otherwise repositories live under `REPO_BASE_URL` (`<base>/<name>.git`); a `file://` base is a
 * directory of bare repositories on the executor host, created when missing (local runs, tests).
 * `<name>` is the project's resource name (unique across owners), and a token is minted only for
 * the repository of that name: a project whose URL names another repository of the App gets none.
 */
import type { GitCredentials } from "@codegen-orchestrator/shared";
import type { Env } from "../../env.ts";
import type { JobSecretRef } from "../../executors/job-secrets.ts";
import { type ArchivedRepository, GitHubApp, type Repository } from "../../github/app.ts";
import { GitHubConfigError, githubAppConfig, githubRepoName, githubRepoUrl } from "../../github/config.ts";
import { repositorySettings } from "../../settings/repositories.ts";

/** The job secret a repository token is given under. */
const GIT_TOKEN = "GIT_TOKEN";

/**
 * What a job needs to reach a repository: credentials naming a job secret (undefined for a host
 * that needs none: a spec's JSON then has no such field), and that secret.
 */
export interface RepoAccess {
  credentials?: GitCredentials;
  secrets: Record<string, JobSecretRef>;
}

/** A project's repository as its jobs reach it: the URL recorded, and the project's resource name. */
export interface ProjectRepository {
  url: string;
  resourceName: string;
}

/** The project's repository URL, or null when no repository host is configured. Throws GitHubConfigError. */
export function repositoryUrl(env: Env, resourceName: string): string | null {
  const github = githubAppConfig(env);
  if (github) return githubRepoUrl(github, resourceName);
  const base = repositorySettings.read(env).REPO_BASE_URL?.replace(/\/+$/, "");
  return base ? `${base}/${resourceName}.git` : null;
}

/** The GitHub App's repository name for this URL, when it is one of its repositories. */
function githubName(env: Env, url: string): string | null {
  try {
    const github = githubAppConfig(env);
    return github ? githubRepoName(github, url) : null;
  } catch {
    // A broken configuration: the job goes without a token, and the run that made the URL said why.
    return null;
  }
}

/** Whether the GitHub App hosts this repository (then it creates it, and mints its tokens). */
export const onGitHub = (env: Env, url: string) => githubName(env, url) !== null;

/**
 * The GitHub App's name of the project's own repository (the one named by its resource name), or
 * null: the only repository the App mints tokens for, and archives, on the project's behalf.
 */
export function ownGitHubRepository(env: Env, repo: ProjectRepository): string | null {
  const name = githubName(env, repo.url);
  // GitHub's names are case-insensitive; resource names are lower case.
  return name && name.toLowerCase() === repo.resourceName ? name : null;
}

export function repoAccess(env: Env, repo: ProjectRepository): RepoAccess {
  const name = ownGitHubRepository(env, repo);
  if (!name) return { secrets: {} };
  return {
    credentials: { username: "x-access-token", passwordSecret: GIT_TOKEN },
    secrets: { [GIT_TOKEN]: { github: name } },
  };
}

/**
 * Creates the project's repository through the GitHub App (an empty one: the Preparer pushes the
 * first commit), or finds it. Throws GitHubError or GitHubConfigError.
 */
export async function createRepository(env: Env, url: string, description: string): Promise<Repository> {
  const config = githubAppConfig(env);
  const name = config ? githubRepoName(config, url) : null;
  if (!config || !name) throw new GitHubConfigError(`${url} is not a repository of the GitHub App.`);
  return new GitHubApp(config).createRepository(name, description);
}

/** Archives the App's repository `name` (a deleted project's). Throws GitHubError or GitHubConfigError. */
export async function archiveRepository(env: Env, name: string): Promise<ArchivedRepository> {
  const config = githubAppConfig(env);
  if (!config) throw new GitHubConfigError("No GitHub App is configured.");
  return new GitHubApp(config).archiveRepository(name);
}

/**
 * Opens a pull request in the project's own repository of the GitHub App. Throws GitHubError, or
 * GitHubConfigError when the repository is not the App's.
 */
export async function openPullRequest(
  env: Env,
  repo: ProjectRepository,
  pull: { head: string; base: string; title: string; body: string },
): Promise<{ url: string; number: number; created: boolean }> {
  const config = githubAppConfig(env);
  const name = ownGitHubRepository(env, repo);
  if (!config || !name) throw new GitHubConfigError(`${repo.url} is not a repository of the GitHub App.`);
  return new GitHubApp(config).openPullRequest(name, pull);
}
