/**
 * The deploy benchmarks' service: a tiny HTTP server in a git repository (a bare one to deploy
 * from, a work tree to commit in), each `next()` committing a new release of it to main.
 *
 *   const releases = serviceReleases(scratch);
 *   const commit = await releases.next();   // the new head of main
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fixtureGit } from "../../executor/test/support/git-fixtures.ts";

export interface ServiceReleases {
  /** The work tree (to archive from). */
  work: string;
  /** The bare repository (the deploy's source). */
  bare: string;
  /** Commits the next release; its commit id. */
  next: () => Promise<string>;
}

export function serviceReleases(scratch: string): ServiceReleases {
  const work = path.join(scratch, "service");
  const bare = path.join(scratch, "service.git");
  fixtureGit(scratch, "init", "--quiet", "--bare", "--initial-branch=main", bare);
  fixtureGit(scratch, "init", "--quiet", "--initial-branch=main", work);
  let release = 0;
  const next = async () => {
    release++;
    // It listens where HOST says (loopback behind a proxy), else on every interface.
    await writeFile(
      path.join(work, "server.js"),
      `require("node:http").createServer((q, s) => s.end(JSON.stringify({ status: "ok", release: ${release} }))).listen(Number(process.env.PORT), process.env.HOST);\n`,
    );
    fixtureGit(work, "add", "--all");
    fixtureGit(work, "commit", "--quiet", "-m", `release ${release}`);
    fixtureGit(work, "push", "--quiet", bare, "main");
    return fixtureGit(work, "rev-parse", "HEAD").trim();
  };
  return { work, bare, next };
}
