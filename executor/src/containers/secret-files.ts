/**
 * A job container's secrets as files, never as its environment: whoever may talk to the engine
 * sees a container's Env, Cmd, Entrypoint, Labels and Mounts (`docker inspect`), so no value may
 * be there. Each secret is a 0400 file named after its variable in a private directory (0700)
 * beside the job's workdir (never inside it: the workdir is mounted into containers), mounted
 * read-only at /run/secrets. The container's entrypoint becomes a /bin/sh wrapper, mounted
 * read-only too, which exports each file into the environment under its name and then execs the
 * command: the command sees its secrets as variables, as before, while the wrapper and argv hold
 * names only. The directory goes when the container does (run-container.ts), or with the jobs
 * directory when a daemon starts after a crash.
 *
 * The files are the daemon user's: a container running as another user that is not root (an
 * image's USER) cannot read them, and the wrapper says so (exit 126).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { MountSettings } from "dockerode";
import { JobFailure } from "./job-failure.ts";

/** Where the secrets are in the container, one file per variable. */
export const SECRETS_MOUNT = "/run/secrets";
/** Where the wrapper is in the container. */
export const WRAPPER_MOUNT = "/run/orchestrator/entrypoint.sh";
/** What the wrapper prints before it exits 127 when the command cannot be found (as tini does). */
export const WRAPPER_NAME = "orchestrator-entrypoint";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SecretFiles {
  /** The secrets' directory and the wrapper, both read-only. */
  mounts: MountSettings[];
  /** The entrypoint that runs a command with the secrets in its environment. */
  entrypoint: string[];
  /** Removes the files; once the container is gone. */
  remove(): Promise<void>;
}

/**
 * Writes `secretEnv` (variable → value) beside `workdir` for a container; null when there is no
 * secret. A `JobFailure` for a name that is not an environment variable name (it names a file and
 * appears in the wrapper).
 */
export async function writeSecretFiles(
  workdir: string,
  secretEnv: Readonly<Record<string, string>>,
): Promise<SecretFiles | null> {
  const names = Object.keys(secretEnv);
  if (names.length === 0) return null;
  const invalid = names.find((name) => !ENV_NAME.test(name));
  if (invalid !== undefined)
    throw new JobFailure(`the secret ${JSON.stringify(invalid)} is not an environment variable name`);
  // mkdtemp makes the directory 0700 whatever the umask; the files are created with their mode.
  const dir = await mkdtemp(`${workdir}.secrets-`);
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const secrets = path.join(dir, "secrets");
    await mkdir(secrets, { mode: 0o700 });
    for (const name of names)
      await writeFile(path.join(secrets, name), secretEnv[name] as string, { mode: 0o400, flag: "wx" });
    // Names only: readable by whichever user the container runs as.
    const wrapper = path.join(dir, "entrypoint.sh");
    await writeFile(wrapper, wrapperScript(names), { mode: 0o444, flag: "wx" });
    return {
      mounts: [
        { Type: "bind", Source: secrets, Target: SECRETS_MOUNT, ReadOnly: true },
        { Type: "bind", Source: wrapper, Target: WRAPPER_MOUNT, ReadOnly: true },
      ],
      entrypoint: ["/bin/sh", WRAPPER_MOUNT],
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * The wrapper: every file read before any is exported (a secret named PATH must not change where
 * `cat` is found), each value byte for byte (`$(…)` drops trailing newlines: a `.` is appended and
 * cut), then the command exec'd, or its absence told the way Docker's init does.
 */
export function wrapperScript(names: readonly string[]): string {
  const read = names.map(
    (name, i) => `secret_${i}="$(cat ${SECRETS_MOUNT}/${name} && echo .)" || unreadable ${name}`,
  );
  const exports = names.map((name, i) => `${name}="\${secret_${i}%.}"`);
  return [
    "#!/bin/sh",
    "# Written by the orchestrator executor: the job's secrets from files into the environment.",
    "unreadable() {",
    `  echo "${WRAPPER_NAME}: cannot read the secret $1 (${SECRETS_MOUNT}/$1)" >&2`,
    "  exit 126",
    "}",
    ...read,
    `export ${exports.join(" ")}`,
    'command -v "$1" >/dev/null 2>&1 || {',
    `  echo "${WRAPPER_NAME}: exec $1 failed: No such file or directory" >&2`,
    "  exit 127",
    "}",
    'exec "$@"',
    "",
  ].join("\n");
}
