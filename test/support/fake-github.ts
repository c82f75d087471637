/**
 * GitHub on loopback, for the pipelines' GitHub App: the REST endpoints the App uses, speaking
 * GitHub's protocol (RS256 App JWTs verified against the App's public key, installation tokens
 * with repository and permission scopes, GitHub's status codes and error bodies; archiving), and a
 * git smart-HTTP server for its repositories that lets a token read or push only what it was scoped
 * to (and nobody push to an archived one).
 * Repositories are bare repos under `<root>/<owner>/<name>.git`.
 */
import { execFileSync } from "node:child_process";
import { createPublicKey, generateKeyPairSync, randomBytes, verify } from "node:crypto";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { type GitHttpServer, startGitHttpServer } from "../../executor/test/support/git-http-server.ts";

export interface MintedToken {
  token: string;
  /** Null: every repository of the installation. */
  repositories: string[] | null;
  permissions: Record<string, string>;
  expiresAt: number;
}

export interface CreatedRepository {
  fullName: string;
  visibility: string;
  description: string;
}

export interface FakeGitHub {
  /** The REST API's base URL (GITHUB_API_URL). */
  apiUrl: string;
  /** Where repositories are cloned from (GITHUB_GIT_URL): `<gitUrl>/<owner>/<name>.git`. */
  gitUrl: string;
  appId: string;
  /** The App's private key as GitHub hands it out: PKCS#1 PEM. */
  privateKey: string;
  installationId: number;
  tokens: MintedToken[];
  created: CreatedRepository[];
  /** `owner/name` of the repositories archived now (PATCH /repos/{owner}/{repo} {archived: true}). */
  archived: Set<string>;
  /** Every API request: method, path, and how it authenticated. */
  requests: { method: string; path: string; auth: "jwt" | "token" | "none" | "invalid" }[];
  git: GitHttpServer;
  /** While true, the installation is suspended: GitHub refuses to mint its tokens (403). */
  suspended: boolean;
  /** `<name>:<branch>`: the branches a pull request merged (closed, with `merged_at`) into a repository. */
  merged: Set<string>;
  /** Pull requests opened (POST /repos/{owner}/{repo}/pulls), in order. */
  pullRequests: {
    repository: string;
    number: number;
    head: string;
    base: string;
    title: string;
    body: string;
  }[];
  /** The Worker's settings that point its GitHub App here (GITHUB_APP_ID, _OWNER, _API_URL, _GIT_URL). */
  appVars: Record<string, string>;
  /** Makes a repository (with `commit`, one commit holding a README), as if someone made it before. */
  addRepository(name: string, options?: { commit?: boolean }): string;
  close(): Promise<void>;
}

const TOKEN_LIFETIME_MS = 60 * 60_000;

export async function startFakeGitHub(options: { root: string; owner: string }): Promise<FakeGitHub> {
  const { root, owner } = options;
  const appId = String(100_000 + Math.floor(Math.random() * 900_000));
  const installationId = 40_000_000 + Math.floor(Math.random() * 1_000_000);
  const keys = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const publicKey = createPublicKey(keys.publicKey);
  const tokens: MintedToken[] = [];
  const created: CreatedRepository[] = [];
  const archived = new Set<string>();
  const merged = new Set<string>();
  const pullRequests: FakeGitHub["pullRequests"] = [];
  const requests: FakeGitHub["requests"] = [];
  const repoDir = (name: string) => path.join(root, owner, `${name}.git`);

  const addRepository = (name: string, opts: { commit?: boolean } = {}) => {
    const dir = repoDir(name);
    mkdirSync(path.dirname(dir), { recursive: true });
    execFileSync("git", ["init", "-q", "--bare", "-b", "main", dir]);
    if (opts.commit) {
      const work = `${dir}-work`;
      execFileSync("git", ["clone", "-q", dir, work], { stdio: "ignore" });
      execFileSync("sh", ["-c", "echo someone else > README.md && git add README.md"], { cwd: work });
      execFileSync(
        "git",
        ["-c", "user.name=Someone", "-c", "user.email=someone@example.com", "commit", "-qm", "theirs"],
        { cwd: work },
      );
      execFileSync("git", ["push", "-q", "origin", "main"], { cwd: work });
    }
    return dir;
  };

  const git = await startGitHttpServer({
    root,
    username: "x-access-token",
    authorize: (password, request) => {
      const token = tokens.find((minted) => minted.token === password);
      if (!token || token.expiresAt < Date.now()) return false;
      const match = /^\/([^/]+)\/([^/]+)\.git\//.exec(request.path);
      if (!match || match[1] !== owner) return false;
      if (token.repositories && !token.repositories.includes(match[2] as string)) return false;
      if (request.push && archived.has(`${owner}/${match[2]}`)) return false;
      const contents = token.permissions.contents;
      return request.push ? contents === "write" : contents === "read" || contents === "write";
    },
  });

  /** The App's JWT: RS256 by the App's key, issued by the App, not expired. */
  const validJwt = (jwt: string): boolean => {
    const [header, payload, signature] = jwt.split(".");
    if (!header || !payload || !signature) return false;
    const ok = verify(
      "RSA-SHA256",
      Buffer.from(`${header}.${payload}`),
      publicKey,
      Buffer.from(signature, "base64url"),
    );
    if (!ok) return false;
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    const now = Date.now() / 1000;
    const alg = (JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { alg?: string }).alg;
    return (
      alg === "RS256" &&
      String(claims.iss) === appId &&
      Number(claims.exp) > now &&
      Number(claims.iat) <= now + 60
    );
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const authorization = req.headers.authorization ?? "";
    const [scheme, credential] = authorization.split(" ");
    const bearerJwt = /^bearer$/i.test(scheme ?? "") && (credential ?? "").split(".").length === 3;
    const jwtOk = bearerJwt && validJwt(credential ?? "");
    const token = !bearerJwt
      ? tokens.find((minted) => minted.token === credential && minted.expiresAt > Date.now())
      : undefined;
    const auth = jwtOk ? "jwt" : token ? "token" : authorization ? "invalid" : "none";
    requests.push({ method: req.method ?? "", path: url.pathname, auth });
    const body = await readJson(req);
    const [status, answer] = route(req.method ?? "", url.pathname, body, auth, token, url.searchParams);
    send(res, status, answer);
  });

  /** One API request: its status and JSON body, as GitHub would answer. */
  function route(
    method: string,
    pathname: string,
    body: Record<string, unknown>,
    auth: string,
    token: MintedToken | undefined,
    query: URLSearchParams = new URLSearchParams(),
  ): [number, unknown] {
    const at = (verb: string, pattern: RegExp) => (method === verb ? pattern.exec(pathname) : null);
    const notFound = { message: "Not Found" };
    const badJwt = { message: "A JSON web token could not be decoded" };
    const badToken = { message: "Bad credentials" };

    const installation = at("GET", /^\/orgs\/([^/]+)\/installation$/);
    if (installation) {
      if (auth !== "jwt") return [401, badJwt];
      if (installation[1] !== owner) return [404, notFound];
      return [
        200,
        {
          id: installationId,
          app_id: Number(appId),
          account: { login: owner, type: "Organization" },
          target_type: "Organization",
          repository_selection: "all",
          permissions: { administration: "write", contents: "write", metadata: "read" },
        },
      ];
    }
    const accessTokens = at("POST", /^\/app\/installations\/(\d+)\/access_tokens$/);
    if (accessTokens) {
      if (auth !== "jwt") return [401, badJwt];
      if (Number(accessTokens[1]) !== installationId) return [404, notFound];
      if (fake.suspended) return [403, { message: "This installation has been suspended" }];
      return mint(body);
    }
    if (at("GET", /^\/installation\/repositories$/)) {
      if (auth !== "token" || !token) return [401, badToken];
      return listRepositories(token);
    }
    const createRepo = at("POST", /^\/orgs\/([^/]+)\/repos$/);
    if (createRepo) {
      if (auth !== "token" || !token) return [401, badToken];
      if (token.permissions.administration !== "write")
        return [403, { message: "Resource not accessible by integration" }];
      if (createRepo[1] !== owner) return [404, notFound];
      return create(body);
    }
    const getRepo = at("GET", /^\/repos\/([^/]+)\/([^/]+)$/);
    if (getRepo) {
      if (auth !== "token" || !token) return [401, badToken];
      const name = getRepo[2] as string;
      if (getRepo[1] !== owner || !existsSync(repoDir(name))) return [404, notFound];
      return [200, repositoryJson(name)];
    }
    const updateRepo = at("PATCH", /^\/repos\/([^/]+)\/([^/]+)$/);
    if (updateRepo) {
      if (auth !== "token" || !token) return [401, badToken];
      const name = updateRepo[2] as string;
      if (updateRepo[1] !== owner || !existsSync(repoDir(name))) return [404, notFound];
      if (token.repositories && !token.repositories.includes(name)) return [404, notFound];
      if (token.permissions.administration !== "write")
        return [403, { message: "Resource not accessible by integration" }];
      if (body.archived === true) archived.add(`${owner}/${name}`);
      if (body.archived === false) archived.delete(`${owner}/${name}`);
      return [200, repositoryJson(name)];
    }
    const openPull = at("POST", /^\/repos\/([^/]+)\/([^/]+)\/pulls$/);
    if (openPull) {
      if (auth !== "token" || !token) return [401, badToken];
      const name = openPull[2] as string;
      if (openPull[1] !== owner || !existsSync(repoDir(name))) return [404, notFound];
      if (token.repositories && !token.repositories.includes(name)) return [404, notFound];
      if (token.permissions.pull_requests !== "write")
        return [403, { message: "Resource not accessible by integration" }];
      return createPull(name, body);
    }
    const branch = at("GET", /^\/repos\/([^/]+)\/([^/]+)\/branches\/([^/]+)$/);
    const pulls = at("GET", /^\/repos\/([^/]+)\/([^/]+)\/pulls$/);
    const read = branch ?? pulls;
    if (read) {
      if (auth !== "token" || !token) return [401, badToken];
      const name = read[2] as string;
      if (read[1] !== owner || !existsSync(repoDir(name))) return [404, notFound];
      if (token.repositories && !token.repositories.includes(name)) return [404, notFound];
      if (branch) return branchJson(name, decodeURIComponent(branch[3] as string));
      return pullsJson(name, query.get("head") ?? "", query.get("state") ?? "open");
    }
    return [404, { ...notFound, documentation_url: "https://docs.github.com/rest" }];
  }

  /** GET /repos/{owner}/{repo}/branches/{branch}: the branch's head, or 404 once it is gone. */
  function branchJson(name: string, branch: string): [number, unknown] {
    try {
      const sha = execFileSync(
        "git",
        ["-C", repoDir(name), "rev-parse", "--verify", "-q", `refs/heads/${branch}`],
        {
          encoding: "utf8",
        },
      ).trim();
      return [200, { name: branch, commit: { sha } }];
    } catch {
      return [404, { message: "Branch not found" }];
    }
  }

  const pullJson = (pull: FakeGitHub["pullRequests"][number]) => ({
    number: pull.number,
    state: "open",
    html_url: `https://github.test/${owner}/${pull.repository}/pull/${pull.number}`,
    head: { ref: pull.head },
    base: { ref: pull.base },
    title: pull.title,
  });

  /** POST /repos/{owner}/{repo}/pulls: 422 without the head branch, or when one is open for it. */
  function createPull(name: string, body: Record<string, unknown>): [number, unknown] {
    const head = String(body.head ?? "");
    const base = String(body.base ?? "");
    if (branchJson(name, head)[0] !== 200 || branchJson(name, base)[0] !== 200)
      return [
        422,
        {
          message: "Validation Failed",
          errors: [{ resource: "PullRequest", field: "head", code: "invalid" }],
        },
      ];
    if (pullRequests.some((pull) => pull.repository === name && pull.head === head))
      return [422, { message: `Validation Failed: A pull request already exists for ${owner}:${head}.` }];
    const pull = {
      repository: name,
      number: pullRequests.length + 1,
      head,
      base,
      title: String(body.title ?? ""),
      body: String(body.body ?? ""),
    };
    pullRequests.push(pull);
    return [201, pullJson(pull)];
  }

  /**
   * GET /repos/{owner}/{repo}/pulls?head=owner:branch&state=…: open, the pull requests opened for
   * the branch; closed, the one that merged it, if one did.
   */
  function pullsJson(name: string, head: string, state: string): [number, unknown] {
    const branch = head.replace(/^[^:]*:/, "");
    if (state === "open")
      return [
        200,
        pullRequests.filter((pull) => pull.repository === name && pull.head === branch).map(pullJson),
      ];
    if (!merged.has(`${name}:${branch}`)) return [200, []];
    return [
      200,
      [{ number: 1, state: "closed", head: { ref: branch }, merged_at: new Date().toISOString() }],
    ];
  }

  /** GET /installation/repositories: the installation's repositories the token may see (one page of all). */
  function listRepositories(token: MintedToken): [number, unknown] {
    const names = existsSync(path.join(root, owner))
      ? readdirSync(path.join(root, owner))
          .filter((entry) => entry.endsWith(".git"))
          .map((entry) => entry.slice(0, -".git".length))
      : [];
    const visible = names.filter((name) => !token.repositories || token.repositories.includes(name));
    return [200, { total_count: visible.length, repositories: visible.map((name) => repositoryJson(name)) }];
  }

  /** POST /app/installations/{id}/access_tokens: a token for some repositories (or all), some permissions. */
  function mint(body: Record<string, unknown>): [number, unknown] {
    const repositories = Array.isArray(body.repositories) ? (body.repositories as string[]) : null;
    if (repositories?.some((name) => !existsSync(repoDir(name))))
      return [
        422,
        {
          message:
            "There is at least one repository that does not exist or is not accessible to the parent installation.",
        },
      ];
    const permissions = (body.permissions as Record<string, string> | undefined) ?? {
      administration: "write",
      contents: "write",
      metadata: "read",
    };
    const minted: MintedToken = {
      token: `ghs_${randomBytes(18).toString("base64url")}`,
      repositories,
      permissions,
      expiresAt: Date.now() + TOKEN_LIFETIME_MS,
    };
    tokens.push(minted);
    return [
      201,
      {
        token: minted.token,
        expires_at: new Date(minted.expiresAt).toISOString().replace(/\.\d+Z$/, "Z"),
        permissions: { ...permissions, metadata: "read" },
        repository_selection: repositories ? "selected" : "all",
        ...(repositories ? { repositories: repositories.map((name) => repositoryJson(name)) } : {}),
      },
    ];
  }

  /** POST /orgs/{org}/repos: an empty repository, or 422 when the name is taken. */
  function create(body: Record<string, unknown>): [number, unknown] {
    const name = String(body.name ?? "");
    const failed = (error: Record<string, string>): [number, unknown] => [
      422,
      { message: "Repository creation failed.", errors: [error] },
    ];
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(name)) return failed({ field: "name", code: "invalid" });
    if (existsSync(repoDir(name)))
      return failed({
        resource: "Repository",
        code: "custom",
        field: "name",
        message: "name already exists on this account",
      });
    addRepository(name);
    const visibility = String(body.visibility ?? (body.private === false ? "public" : "private"));
    created.push({ fullName: `${owner}/${name}`, visibility, description: String(body.description ?? "") });
    return [201, repositoryJson(name, visibility)];
  }

  const repositoryJson = (name: string, visibility = "private") => ({
    id: 1000 + created.length,
    name,
    full_name: `${owner}/${name}`,
    private: visibility !== "public",
    visibility,
    owner: { login: owner, type: "Organization" },
    clone_url: `${git.url}/${owner}/${name}.git`,
    html_url: `${git.url}/${owner}/${name}`,
    default_branch: "main",
    archived: archived.has(`${owner}/${name}`),
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeGitHub = {
    apiUrl: `http://127.0.0.1:${port}`,
    gitUrl: git.url,
    appVars: {
      GITHUB_APP_ID: appId,
      GITHUB_OWNER: owner,
      GITHUB_API_URL: `http://127.0.0.1:${port}`,
      GITHUB_GIT_URL: git.url,
    },
    appId,
    privateKey: keys.privateKey,
    installationId,
    tokens,
    created,
    archived,
    requests,
    git,
    suspended: false,
    merged,
    pullRequests,
    addRepository,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await git.close();
    },
  };
  return fake;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return {};
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}
