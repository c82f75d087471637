/**
 * What this executor can run, as it tells the hub in `hello`: the kinds every host runs (exec,
 * copier, git, agent in process isolation, test: a project's own tests, run like exec, and
 * http_check and http_watch, GETs the daemon makes itself), but
 * exec where job processes may not run on the host at all (no job users, no shared uid allowed:
 * process/job-users.ts); `ansible` when `ansible-playbook` is on PATH; and with an answering
 * Docker engine `container` and `docker` (container-isolated agents), plus `sysbox` when the
 * engine has the `sysbox-runc` runtime.
 * The hub sends a job only where all it needs is.
 */
import { access, constants } from "node:fs/promises";
import path from "node:path";
import { DOCKER_CAPABILITY, SYSBOX_CAPABILITY } from "@codegen-orchestrator/shared";
import { dockerEngine, enginePossiblyPresent } from "../containers/engine.ts";
import { SYSBOX_RUNTIME } from "../containers/job-container.ts";

const ALWAYS = ["exec", "copier", "git", "agent", "test", "http_check", "http_watch"];
const ENGINE_TIMEOUT_MS = 3_000;

async function onPath(command: string, pathVariable = process.env.PATH ?? ""): Promise<boolean> {
  for (const dir of pathVariable.split(path.delimiter).filter(Boolean)) {
    try {
      await access(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      // Not in this directory.
    }
  }
  return false;
}

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error("timed out")), ms).unref()),
  ]);

/** What the engine at DOCKER_HOST (or the default socket) adds; nothing when it does not answer. */
async function engineCapabilities(): Promise<string[]> {
  if (!enginePossiblyPresent()) return [];
  try {
    const docker = await dockerEngine();
    const info = (await withTimeout(docker.info(), ENGINE_TIMEOUT_MS)) as {
      Runtimes?: Record<string, unknown>;
    };
    const found = ["container", DOCKER_CAPABILITY];
    if (info.Runtimes && SYSBOX_RUNTIME in info.Runtimes) found.push(SYSBOX_CAPABILITY);
    return found;
  } catch {
    return [];
  }
}

export async function detectCapabilities(options: { hostProcesses?: boolean } = {}): Promise<string[]> {
  const [ansible, engine] = await Promise.all([onPath("ansible-playbook"), engineCapabilities()]);
  const kinds = options.hostProcesses === false ? ALWAYS.filter((kind) => kind !== "exec") : ALWAYS;
  return [...kinds, ...(ansible ? ["ansible"] : []), ...engine];
}
