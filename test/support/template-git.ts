/** git for tests that make template repositories: no user or system config, a fixed author. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

const gitEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Template Author",
  GIT_AUTHOR_EMAIL: "template@example.test",
  GIT_COMMITTER_NAME: "Template Author",
  GIT_COMMITTER_EMAIL: "template@example.test",
};

/** Runs git, and gives its output trimmed. */
export async function git(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await run("git", args, { cwd, env: gitEnv, timeout: 20_000 });
  return stdout.trim();
}
