/**
 * The executor token: where it comes from, and keeping it out of the daemon's environment.
 *
 * Given by, first found: `--token-file PATH`; systemd's credential `executor-token`
 * (`$CREDENTIALS_DIRECTORY/executor-token`, from `LoadCredential=`); ORCHESTRATOR_EXECUTOR_TOKEN.
 * Never argv: every user of the host can read it.
 *
 * A variable deleted from `process.env` is still in /proc/<pid>/environ (the kernel keeps the
 * environment a program started with), which processes of the same user read, jobs included. So
 * when ORCHESTRATOR_EXECUTOR_TOKEN is set, the daemon replaces itself before it does anything
 * (`process.execve`: same pid, so a service manager sees no change; the same node, execArgv and
 * argv) with that environment less the variable. The token is handed over in a 0600 file in a
 * fresh 0700 directory, which the new program reads and removes at once: only the file's path is
 * in its environment (ORCHESTRATOR_EXECUTOR_TOKEN_HANDOFF).
 */
import { mkdtemp, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

export const TOKEN_VARIABLE = "ORCHESTRATOR_EXECUTOR_TOKEN";
/** The systemd credential's name: `LoadCredential=executor-token:/etc/…/token`. */
export const TOKEN_CREDENTIAL = "executor-token";
const HANDOFF_VARIABLE = "ORCHESTRATOR_EXECUTOR_TOKEN_HANDOFF";

/** The token (empty when none is given); one handed over by `dropTokenFromEnvironment` is deleted. */
export async function readToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  const handoff = env[HANDOFF_VARIABLE];
  if (handoff) return (await takeHandoff(handoff)).trim();
  if (tokenFile) return (await readFile(tokenFile, "utf8")).trim();
  const credentials = env.CREDENTIALS_DIRECTORY;
  const credential =
    credentials &&
    (await readFile(path.join(credentials, TOKEN_CREDENTIAL), "utf8").catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return undefined; // Other credentials, not this one.
        throw error;
      },
    ));
  return (credential || env[TOKEN_VARIABLE] || "").trim();
}

/**
 * When the token variable is in this process's environment: replaces the process with the same
 * command without it, the token handed over in a private file (see the module comment). Returns
 * only when the variable is not there.
 */
export async function dropTokenFromEnvironment(token: string): Promise<void> {
  if (process.env[TOKEN_VARIABLE] === undefined) return;
  if (typeof process.execve !== "function")
    throw new Error(
      `cannot restart without ${TOKEN_VARIABLE} in the environment on this platform: ` +
        `use --token-file or systemd's ${TOKEN_CREDENTIAL} credential instead`,
    );
  const dir = await mkdtemp(path.join(tmpdir(), "orchestrator-executor-token-"));
  const file = path.join(dir, "token");
  await writeFile(file, token, { mode: 0o600, flag: "wx" });
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (name !== TOKEN_VARIABLE && value !== undefined) env[name] = value;
  env[HANDOFF_VARIABLE] = file;
  try {
    process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], env);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The handed-over token, its file and directory gone. */
async function takeHandoff(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } finally {
    await rm(file, { force: true });
    // Only ever empty now; rmdir removes nothing else.
    await rmdir(path.dirname(file)).catch(() => {});
  }
}
