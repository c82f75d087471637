/**
 * Update benchmark: `orchestrator scaffold update` of a project rendered from the scaffold
 * benchmark's template (~200 files) to a version where 10 of its templates changed, against a
 * plain scaffold (copy) of the same template, measured in the same run (both with the executor's
 * renderer, compiled templates kept). Target: the update at most 3× the copy. Each round starts
 * from the same committed project (a fresh clone of it), so every update merges the same change.
 *
 *   npm run bench:scaffold-update
 */
import { execFileSync } from "node:child_process";
import { appendFile, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { scaffold } from "../executor/src/scaffold/scaffold.ts";
import { updateProject } from "../executor/src/scaffold/update.ts";
import { percentile } from "./scaffold/stats.ts";
import { generateTemplate } from "./scaffold/template.ts";

const ROUNDS = 9;
const CHANGED = 10;
const TARGET = 3;
const GIT_ENV = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: "/nonexistent",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Bench",
  GIT_AUTHOR_EMAIL: "bench@example.com",
  GIT_COMMITTER_NAME: "Bench",
  GIT_COMMITTER_EMAIL: "bench@example.com",
};
const git = (args: string[], cwd: string) => execFileSync("git", args, { cwd, env: GIT_ENV, stdio: "pipe" });

const work = await mkdtemp(path.join(os.tmpdir(), "bench-update-"));
try {
  const template = path.join(work, "template-root");
  await generateTemplate(template);
  git(["init", "--quiet", "--initial-branch=main"], template);
  git(["add", "-A"], template);
  git(["commit", "--quiet", "-m", "v1"], template);
  git(["tag", "v1"], template);
  const cacheDir = path.join(work, "cache");
  const common = {
    data: {},
    defaults: true,
    trust: false,
    log: () => {},
    renderCacheDir: path.join(cacheDir, "jinja2"),
  };
  // The project, from v1 (the template's tree as v1 tagged it), committed: each round updates a clone of it.
  const origin = path.join(work, "origin");
  await scaffold({
    ...common,
    templateRoot: template,
    srcPath: template,
    commit: "v1",
    destination: origin,
    recordAnswers: true,
    taskEnv: {},
  });
  git(["init", "--quiet", "--initial-branch=main"], origin);
  git(["add", "-A"], origin);
  git(["commit", "--quiet", "-m", "project"], origin);

  // v2: a line added at the end of 10 templates.
  const templates = (await readdir(path.join(template, "template"), { recursive: true, withFileTypes: true }))
    // Not under grpc/: the template excludes it with the default answers.
    .filter(
      (entry) => entry.isFile() && entry.name.endsWith(".py.jinja") && !entry.parentPath.includes("grpc"),
    )
    .slice(0, CHANGED);
  for (const entry of templates)
    await appendFile(path.join(entry.parentPath, entry.name), "# changed in v2\n");
  git(["commit", "--quiet", "-am", "v2"], template);
  git(["tag", "v2"], template);

  let serial = 0;
  const copyOnce = async () => {
    const destination = path.join(work, `copy-${serial++}`);
    const started = performance.now();
    await scaffold({
      ...common,
      templateRoot: template,
      srcPath: template,
      commit: null,
      destination,
      taskEnv: {},
    });
    const elapsed = performance.now() - started;
    await rm(destination, { recursive: true, force: true });
    return elapsed;
  };
  let lastReport: Awaited<ReturnType<typeof updateProject>> | null = null;
  const updateOnce = async () => {
    const project = path.join(work, `project-${serial++}`);
    git(["clone", "--quiet", origin, project], work);
    const started = performance.now();
    lastReport = await updateProject({ ...common, project, cacheDir, taskEnv: GIT_ENV, vcsRef: "v2" });
    const elapsed = performance.now() - started;
    await rm(project, { recursive: true, force: true });
    return elapsed;
  };
  for (let i = 0; i < 2; i++) {
    await copyOnce();
    await updateOnce();
  }
  const copies: number[] = [];
  const updates: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    copies.push(await copyOnce());
    updates.push(await updateOnce());
  }
  const ratio = percentile(updates, 50) / percentile(copies, 50);
  const report = lastReport as Awaited<ReturnType<typeof updateProject>> | null;
  console.log(
    `\nUpdate benchmark (${new Date().toISOString()}, Node ${process.version}), ${ROUNDS} rounds each, alternating\n`,
  );
  console.log(
    `scaffold of the template (copy, baseline)   median ${percentile(copies, 50).toFixed(1)} ms  p90 ${percentile(copies, 90).toFixed(1)} ms`,
  );
  console.log(
    `update v1 → v2 (${CHANGED} templates changed)     median ${percentile(updates, 50).toFixed(1)} ms  p90 ${percentile(updates, 90).toFixed(1)} ms`,
  );
  console.log(`ratio ${ratio.toFixed(2)}× (target ≤ ${TARGET}×): ${ratio <= TARGET ? "met" : "missed"}`);
  console.log(
    `the update merged ${report?.merged.length ?? 0} files (the answers file among them), ${report?.conflicts.length ?? 0} conflicts`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
