/**
 * A project's repository for whole-stack deploys: a bare repository (file://) whose main holds a
 * small Node service; `commit` replaces main's tree (or another branch's) with new files (a new release).
 *
 *   const repo = serviceRepo(dir, { "server.js": SERVER_JS });  …  repo.commit({ "server.js": V2 }, "v2");
 *   repo.commit({ "server.js": V3 }, "try", "feature-x");  // a branch beside main
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-C", cwd, "-c", "user.name=T", "-c", "user.email=t@example.test", ...args], {
    stdio: "ignore",
  });

/** A service that answers 200 on /health (and 404 elsewhere) on 127.0.0.1:$PORT. */
export const HEALTHY_SERVER_JS = `require("node:http").createServer((req, res) => {
  res.writeHead(req.url === "/health" ? 200 : 404);
  res.end("ok");
}).listen(Number(process.env.PORT), "127.0.0.1");
`;

/** `npm start` runs server.js; `.env.example` asks for PORT only. */
const SCAFFOLD = (name: string) => ({
  "package.json": JSON.stringify({ name, private: true, scripts: { start: "node server.js" } }),
  ".env.example": "PORT=\n",
});

export function serviceRepo(root: string, name: string, files: Record<string, string>) {
  const bare = path.join(root, `${name}.git`);
  git(root, "init", "--quiet", "--bare", "--initial-branch=main", bare);
  let version = 0;
  const commit = (tree: Record<string, string>, message: string, branch = "main") => {
    const work = path.join(root, `work-${++version}`);
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work);
    for (const [file, content] of Object.entries({ ...SCAFFOLD(name), ...tree }))
      writeFileSync(path.join(work, file), content);
    git(work, "init", "--quiet", "--initial-branch=main");
    git(work, "add", "--all");
    git(work, "commit", "--quiet", "-m", message);
    git(work, "push", "--quiet", "--force", bare, `main:refs/heads/${branch}`);
  };
  commit(files, "service");
  return { url: pathToFileURL(bare).href, commit };
}
