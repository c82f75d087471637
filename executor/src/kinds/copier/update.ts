/**
 * `copier` jobs in update mode: the project's repository is cloned at its branch (its git
 * directory beside the workdir, never inside the tree the template's migrations and tasks may
 * write, as the render's publish does), updated as `copier update` does (scaffold/update.ts), and
 * with `publish` committed and pushed as a new branch of the same repository.
 */
import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import type { CopierUpdateResult, CopierUpdateSpec } from "@codegen-orchestrator/shared";
import { Git } from "../../git/git.ts";
import type { Runner, RunOutcome } from "../../jobs/runner.ts";
import { assertNoSymlinkBetween } from "../../process/job-files.ts";
import { updateProject } from "../../scaffold/update.ts";
import { copierCacheDir, failedOutcome, password, taskEnvironment } from "./outcome.ts";
import { pushFirst } from "./publish.ts";

export const runUpdate: Runner<CopierUpdateSpec> = async (spec, context): Promise<RunOutcome> => {
  const destination = path.join(context.workdir, "project");
  const gitHome = await mkdtemp(`${context.workdir}.git-`);
  // git makes the directory itself (it refuses one that exists).
  const gitDir = path.join(gitHome, "project.git");
  try {
    const git = new Git({
      cwd: context.workdir,
      credentials: password(spec.project.credentials, context),
      signal: context.signal,
      deadlineAt: context.deadlineAt,
      log: context.log,
    });
    context.log("system", `cloning ${spec.project.url} at ${spec.project.branch}\n`);
    await git.run([
      "clone",
      "--quiet",
      `--separate-git-dir=${gitDir}`,
      `--branch=${spec.project.branch}`,
      "--",
      spec.project.url,
      "project",
    ]);
    // Every git command on the project names its git directory: a `.git` in the tree is never read.
    const project = git.at(destination).withGitDir(gitDir);
    const report = await updateProject({
      project: destination,
      projectGit: project,
      vcsRef: spec.vcsRef,
      prereleases: spec.prereleases,
      data: spec.data,
      defaults: spec.defaults,
      trust: spec.trust,
      conflict: spec.conflict,
      answersFile: spec.answersFile,
      cacheDir: copierCacheDir(context),
      taskEnv: taskEnvironment(context),
      signal: context.signal,
      deadlineAt: context.deadlineAt,
      log: context.log,
      user: context.user,
    });
    let published: CopierUpdateResult["published"] = null;
    if (spec.publish) {
      const { publish } = spec;
      await assertNoSymlinkBetween(path.dirname(context.workdir), destination);
      await project.run(["checkout", "--quiet", "-b", publish.branch]);
      const commit = await project.commitAll({ message: publish.message, author: publish.author });
      if (commit !== null) {
        const target = { url: spec.project.url, branch: publish.branch };
        published = { ...target, commit: await pushFirst(project, target, commit) };
      } else context.log("system", "the update changed nothing: no branch pushed\n");
    }
    const output: CopierUpdateResult = { ...report, published };
    return { status: "succeeded", output };
  } catch (error) {
    return failedOutcome(error, context);
  } finally {
    await rm(gitHome, { recursive: true, force: true });
  }
};
