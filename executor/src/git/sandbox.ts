/**
 * The private surroundings of one git process: a fresh 0700 temp directory that serves as HOME
 * (so no user or system gitconfig, no credential store is read or written) and, when there are
 * credentials, a `GIT_ASKPASS` script inside it. The script holds no secret: it prints the
 * username or the password from variables set only in that git child's environment.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/** The variables the askpass script reads; set on the git child process only. */
export const ASKPASS_USERNAME_VAR = "CO_GIT_USERNAME";
export const ASKPASS_PASSWORD_VAR = "CO_GIT_PASSWORD";

export interface GitPassword {
  username: string;
  password: string;
}

const ASKPASS_SCRIPT = `#!/bin/sh
# git asks "Username for '<url>': " and "Password for '<url>': "; anything else gets the password.
case "$1" in
  Username*) printf '%s\\n' "$${ASKPASS_USERNAME_VAR}" ;;
  *) printf '%s\\n' "$${ASKPASS_PASSWORD_VAR}" ;;
esac
`;

export interface GitSandbox {
  /** The environment additions for the git child: HOME, config isolation, askpass. */
  env: Record<string, string>;
  /** Removes the directory, askpass script included. */
  dispose(): Promise<void>;
}

export async function openSandbox(credentials?: GitPassword, parent: string = tmpdir()): Promise<GitSandbox> {
  // mkdtemp creates the directory 0700; chmod makes sure whatever the umask.
  const dir = await mkdtemp(path.join(parent, "co-git-"));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await chmod(dir, 0o700);
    const home = path.join(dir, "home");
    await mkdir(home, { mode: 0o700 });
    const env: Record<string, string> = {
      HOME: home,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_TERMINAL_PROMPT: "0",
    };
    if (credentials) {
      const askpass = path.join(dir, "askpass.sh");
      await writeFile(askpass, ASKPASS_SCRIPT, { mode: 0o700 });
      await chmod(askpass, 0o700);
      env.GIT_ASKPASS = askpass;
      env[ASKPASS_USERNAME_VAR] = credentials.username;
      env[ASKPASS_PASSWORD_VAR] = credentials.password;
    }
    return { env, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
