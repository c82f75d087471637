/**
 * `copier` jobs: render a template into `<workdir>/project` with the chosen engine and, when asked,
 * publish it as the first commit of a git remote; or only read the template (`inspect: true`,
 * inspect.ts). Template credentials and the publish credentials come from the job's secrets, by
 * name. A template's tasks and the copier CLI run as the job's user; the daemon publishes the
 * project through a git directory of its own, beside the workdir, so that nothing they wrote in
 * the project (a `.git`) is read by git.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CopierJobSpec, CopierResult, CopierSpec } from "@codegen-orchestrator/shared";
import { Git } from "../../git/git.ts";
import type { Runner, RunOutcome } from "../../jobs/runner.ts";
import { assertNoSymlinkBetween } from "../../process/job-files.ts";
import { runScaffold } from "../../scaffold/run.ts";
import { runInspect } from "./inspect.ts";
import { copierCacheDir, failedOutcome, password, scaffoldSource, taskEnvironment } from "./outcome.ts";
import { pushFirst } from "./publish.ts";
import { runUpdate } from "./update.ts";

export const runCopier: Runner<CopierJobSpec> = (spec, context) =>
  "update" in spec
    ? runUpdate(spec, context)
    : spec.inspect
      ? runInspect(spec, context)
      : runRender(spec, context);

const runRender: Runner<CopierSpec> = async (spec, context): Promise<RunOutcome> => {
  const destination = path.join(context.workdir, "project");
  try {
    const { template } = spec;
    const source = scaffoldSource(template, context);
    const report = await runScaffold({
      source,
      // The template as the job named it, not this host's directory layout.
      srcPath: "path" in template ? template.path : template.url,
      destination,
      data: spec.data,
      defaults: spec.defaults,
      trust: spec.trust,
      recordAnswers: spec.recordAnswers,
      engine: spec.engine,
      cacheDir: copierCacheDir(context),
      env: taskEnvironment(context),
      signal: context.signal,
      deadlineAt: context.deadlineAt,
      log: context.log,
      user: context.user,
    });
    let published: CopierResult["published"] = null;
    if (spec.publish) {
      const { publish } = spec;
      // The job's user owns the workdir: the project must still be the one rendered.
      await assertNoSymlinkBetween(path.dirname(context.workdir), destination);
      const git = new Git({
        cwd: context.workdir,
        credentials: password(publish.credentials, context),
        signal: context.signal,
        deadlineAt: context.deadlineAt,
        log: context.log,
      });
      if (publish.create) await createLocalRemote(git, publish.url, publish.branch);
      const gitDir = await mkdtemp(`${context.workdir}.git-`);
      try {
        const project = git.at(destination).withGitDir(gitDir);
        await project.init(".", { branch: publish.branch, remote: publish.url });
        const commit = await project.commitAll({
          message: publish.message,
          author: publish.author,
          allowEmpty: true,
        });
        published = {
          url: publish.url,
          branch: publish.branch,
          commit: await pushFirst(project, publish, commit),
        };
      } finally {
        await rm(gitDir, { recursive: true, force: true });
      }
    }
    const output: CopierResult = {
      engine: report.engine,
      files: report.files,
      answers: report.answers,
      templateCommit: report.templateCommit,
      templateRef: report.templateRef,
      messages: report.messages,
      published,
    };
    return { status: "succeeded", output };
  } catch (error) {
    return failedOutcome(error, context);
  }
};

/** A `file://` remote that does not exist yet becomes an empty bare repository; others are left. */
async function createLocalRemote(git: Git, url: string, branch: string): Promise<void> {
  if (!url.startsWith("file://")) return;
  const target = fileURLToPath(url);
  if (existsSync(target)) return;
  await mkdir(path.dirname(target), { recursive: true });
  await git.run(["init", "--quiet", "--bare", `--initial-branch=${branch}`, "--", target]);
}
