/**
 * The pipelines' GitHub App: it creates project repositories in its organization, archives a
 * deleted project's, and mints the short-lived installation tokens jobs clone and push with, each
 * scoped to one repository and to `contents: write`. `@octokit/auth-app` signs the App's JWT
 * (WebCrypto) and talks to the token endpoint; tokens are kept while they have most of their hour
 * left, so a job that starts with one can work for half an hour and still push. Errors say what
 * GitHub answered, never a token or key.
 */
import { createAppAuth } from "@octokit/auth-app";
import { request } from "@octokit/request";
import { RequestError } from "@octokit/request-error";
import type { Env } from "../env.ts";
import { type GitHubAppConfig, githubAppConfig } from "./config.ts";
import { PrivateKeyError, pkcs8Pem } from "./private-key.ts";

/** Repositories per page of a listing (GitHub's most), and the most a listing reads. */
const LIST_PAGE = 100;
const LIST_LIMIT = 10_000;

/** A cached token is reused only while it has more than this left (tokens live an hour). */
const TOKEN_REUSE_MS = 45 * 60_000;

export class GitHubError extends Error {
  override name = "GitHubError";
  /** GitHub's HTTP status; null when there was no answer (network); 0 for our own configuration. */
  readonly status: number | null;
  constructor(message: string, status: number | null) {
    super(message);
    this.status = status;
  }

  /** Worth trying again later: no answer, rate limited, or GitHub's own failure. */
  get transient(): boolean {
    return this.status === null || this.status === 429 || this.status >= 500;
  }
}

export interface Repository {
  /** `owner/name`. */
  fullName: string;
  /** False when the repository existed already (a retried step, or a name taken before). */
  created: boolean;
}

export interface ArchivedRepository {
  /** `owner/name`. */
  fullName: string;
  /** False when there was no such repository any more (nothing to archive). */
  archived: boolean;
}

type Api = typeof request;
type AppAuth = ReturnType<typeof createAppAuth>;

/** What failed, and what GitHub said: its status and the first line of its message. */
function failure(doing: string, err: unknown): GitHubError {
  if (err instanceof GitHubError) return err;
  // The key would not import or sign (WebCrypto's DataError, the JWT library's own checks).
  const keyProblem =
    err instanceof PrivateKeyError ||
    (err as Error)?.name === "DataError" ||
    String((err as Error)?.message).startsWith("[universal-github-app-jwt]");
  if (keyProblem) return new GitHubError(`GITHUB_APP_PRIVATE_KEY is unusable: ${(err as Error).message}`, 0);
  if (err instanceof RequestError) {
    const said = err.message.split("\n")[0]?.slice(0, 200) ?? "";
    return new GitHubError(`GitHub answered ${err.status} to ${doing}: ${said}`, err.status);
  }
  return new GitHubError(`${doing} failed: ${String((err as Error)?.message ?? err).slice(0, 200)}`, null);
}

export class GitHubApp {
  readonly config: GitHubAppConfig;
  readonly #api: Api;
  #auth: AppAuth | null = null;
  #installation: Promise<number> | null = null;
  readonly #tokens = new Map<string, { token: string; expiresAt: number }>();

  constructor(config: GitHubAppConfig) {
    this.config = config;
    this.#api = request.defaults({
      baseUrl: config.apiUrl,
      headers: { "user-agent": "codegen-orchestrator", "x-github-api-version": "2022-11-28" },
    });
  }

  /** A token that may read and push the repository `name` of the App's organization, and nothing else. */
  async repositoryToken(name: string): Promise<string> {
    const cached = this.#tokens.get(name);
    if (cached && cached.expiresAt - Date.now() > TOKEN_REUSE_MS) return cached.token;
    const minted = await this.#installationToken(`a token for ${this.config.owner}/${name}`, {
      repositoryNames: [name],
      permissions: { contents: "write" },
    });
    this.#tokens.set(name, minted);
    return minted.token;
  }

  /** Creates the repository (empty: the Preparer pushes its first commit), or finds it if it exists. */
  async createRepository(name: string, description: string): Promise<Repository> {
    const { owner, visibility } = this.config;
    const doing = `creating the repository ${owner}/${name}`;
    const { token } = await this.#installationToken(doing, { permissions: { administration: "write" } });
    const headers = { authorization: `token ${token}` };
    try {
      const { data } = await this.#api("POST /orgs/{org}/repos", {
        org: owner,
        name,
        description: description.slice(0, 350),
        visibility,
        auto_init: false,
        headers,
      });
      return { fullName: data.full_name, created: true };
    } catch (err) {
      // 422: the name is taken. A retried step finds its own repository; the first push decides
      // whether what is there is ours (the Preparer refuses a repository with other content).
      if (!(err instanceof RequestError) || err.status !== 422) throw failure(doing, err);
    }
    try {
      const { data } = await this.#api("GET /repos/{owner}/{repo}", { owner, repo: name, headers });
      return { fullName: data.full_name, created: false };
    } catch (err) {
      throw failure(doing, err);
    }
  }

  /**
   * Archives the repository (read-only, kept for history) with a token scoped to it and to
   * `administration: write`. Archiving again is a no-op on GitHub; a repository gone is reported.
   */
  async archiveRepository(name: string): Promise<ArchivedRepository> {
    const { owner } = this.config;
    const doing = `archiving the repository ${owner}/${name}`;
    const { token } = await this.#installationToken(doing, {
      repositoryNames: [name],
      permissions: { administration: "write" },
    });
    try {
      const { data } = await this.#api("PATCH /repos/{owner}/{repo}", {
        owner,
        repo: name,
        archived: true,
        headers: { authorization: `token ${token}` },
      });
      return { fullName: data.full_name, archived: data.archived };
    } catch (err) {
      if (err instanceof RequestError && err.status === 404)
        return { fullName: `${owner}/${name}`, archived: false };
      throw failure(doing, err);
    }
  }

  /**
   * Whether a branch of the repository `name` is still there (`present`), was deleted, or was
   * merged by a pull request (closed with `merged_at`): what removes its preview. Needs the App's
   * `contents` and `pull_requests` read permissions.
   */
  async branchState(name: string, branch: string): Promise<"present" | "deleted" | "merged"> {
    const { owner } = this.config;
    const doing = `reading the branch ${branch} of ${owner}/${name}`;
    const { token } = await this.#installationToken(doing, {
      repositoryNames: [name],
      permissions: { contents: "read", pull_requests: "read" },
    });
    const headers = { authorization: `token ${token}` };
    try {
      await this.#api("GET /repos/{owner}/{repo}/branches/{branch}", { owner, repo: name, branch, headers });
    } catch (err) {
      if (err instanceof RequestError && err.status === 404) return "deleted";
      throw failure(doing, err);
    }
    try {
      const { data } = await this.#api("GET /repos/{owner}/{repo}/pulls", {
        owner,
        repo: name,
        state: "closed",
        head: `${owner}:${branch}`,
        per_page: 20,
        headers,
      });
      return data.some((pull) => pull.merged_at) ? "merged" : "present";
    } catch (err) {
      throw failure(doing, err);
    }
  }

  /**
   * Opens a pull request of `head` into `base` in the repository `name`, or finds the open one
   * GitHub already has for that branch (a retried step). Needs `pull_requests: write`.
   */
  async openPullRequest(
    name: string,
    pull: { head: string; base: string; title: string; body: string },
  ): Promise<{ url: string; number: number; created: boolean }> {
    const { owner } = this.config;
    const doing = `opening a pull request of ${pull.head} in ${owner}/${name}`;
    const { token } = await this.#installationToken(doing, {
      repositoryNames: [name],
      permissions: { pull_requests: "write", contents: "read" },
    });
    const headers = { authorization: `token ${token}` };
    try {
      const { data } = await this.#api("POST /repos/{owner}/{repo}/pulls", {
        owner,
        repo: name,
        ...pull,
        headers,
      });
      return { url: data.html_url, number: data.number, created: true };
    } catch (err) {
      // 422: a pull request for the branch exists (a retried step finds its own).
      if (!(err instanceof RequestError) || err.status !== 422) throw failure(doing, err);
    }
    try {
      const { data } = await this.#api("GET /repos/{owner}/{repo}/pulls", {
        owner,
        repo: name,
        state: "open",
        head: `${owner}:${pull.head}`,
        headers,
      });
      const open = data[0];
      if (!open) throw new GitHubError(`GitHub refused ${doing} and has no open pull request for it`, 422);
      return { url: open.html_url, number: open.number, created: false };
    } catch (err) {
      throw err instanceof GitHubError ? err : failure(doing, err);
    }
  }

  /** Every repository the App's installation can see (archived ones too), by name. */
  async listRepositories(): Promise<{ name: string; archived: boolean }[]> {
    const doing = `listing the repositories of ${this.config.owner}`;
    const { token } = await this.#installationToken(doing, { permissions: { metadata: "read" } });
    const found: { name: string; archived: boolean }[] = [];
    try {
      for (let page = 1; ; page++) {
        const { data } = await this.#api("GET /installation/repositories", {
          per_page: LIST_PAGE,
          page,
          headers: { authorization: `token ${token}` },
        });
        found.push(...data.repositories.map((repo) => ({ name: repo.name, archived: repo.archived })));
        if (data.repositories.length < LIST_PAGE || found.length >= LIST_LIMIT) return found;
      }
    } catch (err) {
      throw failure(doing, err);
    }
  }

  async #installationToken(
    doing: string,
    scope: { repositoryNames?: string[]; permissions: Record<string, string> },
  ): Promise<{ token: string; expiresAt: number }> {
    try {
      const installationId = await this.#installationId();
      // `refresh`: the library's own cache could hand back a token with minutes left.
      const minted = await this.#appAuth()({ type: "installation", installationId, refresh: true, ...scope });
      return { token: minted.token, expiresAt: Date.parse(minted.expiresAt) };
    } catch (err) {
      throw failure(doing, err);
    }
  }

  #appAuth(): AppAuth {
    this.#auth ??= createAppAuth({
      appId: this.config.appId,
      privateKey: pkcs8Pem(this.config.privateKey),
      request: this.#api,
    });
    return this.#auth;
  }

  /** The configured installation, or the one on the App's organization (asked once). */
  #installationId(): Promise<number> {
    if (this.config.installationId) return Promise.resolve(this.config.installationId);
    this.#installation ??= (async () => {
      const { token } = await this.#appAuth()({ type: "app" });
      const { data } = await this.#api("GET /orgs/{org}/installation", {
        org: this.config.owner,
        headers: { authorization: `bearer ${token}` },
      });
      return data.id;
    })().catch((err: unknown) => {
      this.#installation = null; // Asked again next time: the App may be installed meanwhile.
      throw failure(`finding the App's installation on ${this.config.owner}`, err);
    });
    return this.#installation;
  }
}

/**
 * The hub's source of repository tokens: null when no App is configured. A wrong configuration is
 * not fatal to the hub: each token asked for fails with what to fix.
 */
export function githubTokens(env: Env): ((repository: string) => Promise<string>) | null {
  let config: GitHubAppConfig | null;
  try {
    config = githubAppConfig(env);
  } catch (err) {
    return () => Promise.reject(err);
  }
  if (!config) return null;
  const app = new GitHubApp(config);
  return (repository) => app.repositoryToken(repository);
}
