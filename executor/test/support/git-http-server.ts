/**
 * A git smart-HTTP server on 127.0.0.1 for tests: HTTP Basic auth in front of git's own CGI,
 * `git http-backend`, serving the bare repositories under `root`. Authenticated users may push
 * (http-backend enables receive-pack when REMOTE_USER is set). Credentials are one fixed user and
 * password, or decided per request by `authorize` (a fake GitHub checks its tokens' scopes). With
 * `stall`, it accepts requests and never answers, to test cancels and deadlines.
 */
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface GitHttpServerOptions {
  /** The directory holding the bare repositories (`<root>/<name>.git`). */
  root: string;
  username: string;
  password?: string;
  /** Decides instead of `password`: may this password read (or, with `push`, write) the repository at `path`? */
  authorize?: (password: string, request: { path: string; push: boolean }) => boolean;
  /** Hold every request open without answering. */
  stall?: boolean;
}

export interface GitHttpRequest {
  method: string;
  /** The request target exactly as received (path and query). */
  url: string;
  authorized: boolean;
}

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>`; repositories are at `<url>/<name>.git`. */
  url: string;
  requests: GitHttpRequest[];
  /** Resolves at the first request the server receives. */
  firstRequest: Promise<void>;
  close(): Promise<void>;
}

export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  // Captured now: a test may put a git shim first on PATH later; the server uses the real git.
  const serverPath = process.env.PATH ?? "/usr/bin:/bin";
  const authorized = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization ?? "";
    if (!header.startsWith("Basic ")) return false;
    const decoded = Buffer.from(header.slice("Basic ".length), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    if (colon < 0 || username !== options.username) return false;
    if (!options.authorize) return password === options.password;
    const target = new URL(req.url ?? "/", "http://127.0.0.1");
    const push =
      target.pathname.endsWith("/git-receive-pack") ||
      target.searchParams.get("service") === "git-receive-pack";
    return options.authorize(password, { path: decodeURIComponent(target.pathname), push });
  };
  const requests: GitHttpRequest[] = [];
  let sawRequest = () => {};
  const firstRequest = new Promise<void>((resolve) => {
    sawRequest = resolve;
  });

  const server = createServer((req, res) => {
    const allowed = authorized(req);
    requests.push({ method: req.method ?? "", url: req.url ?? "", authorized: allowed });
    sawRequest();
    if (options.stall) return; // Never answered; close() drops the connection.
    if (!allowed) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"', "Content-Type": "text/plain" });
      res.end("authentication required\n");
      return;
    }
    serveCgi(req, res, options, serverPath);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    firstRequest,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function serveCgi(
  req: IncomingMessage,
  res: ServerResponse,
  options: GitHttpServerOptions,
  PATH: string,
): void {
  const target = new URL(req.url ?? "/", "http://127.0.0.1");
  const env: Record<string, string> = {
    PATH,
    HOME: options.root,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_PROJECT_ROOT: options.root,
    GIT_HTTP_EXPORT_ALL: "1",
    REMOTE_USER: options.username,
    REMOTE_ADDR: "127.0.0.1",
    REQUEST_METHOD: req.method ?? "GET",
    PATH_INFO: decodeURIComponent(target.pathname),
    QUERY_STRING: target.search.slice(1),
  };
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  };
  const passOn = {
    CONTENT_TYPE: header("content-type"),
    CONTENT_LENGTH: header("content-length"),
    // http-backend inflates gzip request bodies itself when told their encoding.
    HTTP_CONTENT_ENCODING: header("content-encoding"),
    HTTP_GIT_PROTOCOL: header("git-protocol"),
  };
  for (const [name, value] of Object.entries(passOn)) if (value !== undefined) env[name] = value;

  const cgi = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "inherit"] });
  req.pipe(cgi.stdin);
  cgi.stdin.on("error", () => {});
  let head = Buffer.alloc(0);
  let headersDone = false;
  cgi.stdout.on("data", (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const text = head.toString("latin1");
    const crlf = text.indexOf("\r\n\r\n");
    const lf = text.indexOf("\n\n");
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of text.slice(0, end).split(/\r?\n/)) {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end));
  });
  cgi.on("close", () => {
    if (!headersDone && !res.headersSent) res.writeHead(502);
    res.end();
  });
  cgi.on("error", () => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
}
