/**
 * An OpenSSH server on 127.0.0.1 for tests that drive real `ansible-playbook` (or `ssh`): its own
 * sshd_config, host key and client key in a temp dir, public-key login only, as the user running
 * the tests (root in CI, hence `PermitRootLogin prohibit-password`).
 *
 *   const sshd = await startSshd();
 *   // ssh -p sshd.port -i <sshd.privateKey in a 0600 file> sshd.user@127.0.0.1, known_hosts: sshd.knownHostsLine
 *   await sshd.stop();
 *
 * `stop()` ends the server and every session it forked (sshd's per-connection children run in their
 * own sessions, so they are found through /proc), then removes the temp dir.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";

export const SSHD_BINARY = "/usr/sbin/sshd";

export interface Sshd {
  host: "127.0.0.1";
  port: number;
  user: string;
  /** The client's private key (OpenSSH format), authorised for `user`. */
  privateKey: string;
  /** The same key in a 0600 file inside the harness's temp dir. */
  privateKeyPath: string;
  /** `[127.0.0.1]:PORT ssh-ed25519 AAAA…`: the only host key the server presents. */
  knownHostsLine: string;
  /** The harness's temp dir (removed by stop). */
  dir: string;
  /** sshd's own log (`-E`), for failure messages. */
  log(): Promise<string>;
  /** Ends sshd and its sessions, keeping its keys and port: the server is down until `resume()`. */
  halt(): Promise<void>;
  /** Starts sshd again on the same port with the same keys. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** Whether this machine can run the harness (the tests skip, saying so, when it cannot). */
export function sshdAvailable(): boolean {
  return existsSync(SSHD_BINARY) && existsSync("/usr/bin/ssh-keygen");
}

/**
 * The privilege-separation directory sshd insists on when started as root, also for `sshd -t`:
 * a new machine has none until the ssh service first starts.
 */
export async function ensurePrivilegeSeparationDir(): Promise<void> {
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 }).catch(() => {});
}

const BANNER_TIMEOUT_MS = 10_000;
const START_ATTEMPTS = 3;

export interface SshdOptions {
  /** PATH for sessions (a server provisioned with a newer runtime than the system's). */
  sessionPath?: string;
  /** More variables for sessions (a server whose Docker engine is at DOCKER_HOST, say); no spaces in values. */
  sessionEnv?: Record<string, string>;
  /** Authorise another harness's client key instead of a new one (two servers, one deploy key). */
  clientOf?: Sshd;
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  const dir = await mkdtemp(path.join(tmpdir(), "co-sshd-"));
  try {
    const keygen = (file: string, comment: string) =>
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file], {
        stdio: "ignore",
      });
    const hostKey = path.join(dir, "host_ed25519");
    keygen(hostKey, "co-test-host");
    const clientKey = options.clientOf?.privateKeyPath ?? path.join(dir, "client_ed25519");
    if (!options.clientOf) keygen(clientKey, "co-test-client");
    await writeFile(path.join(dir, "authorized_keys"), await readFile(`${clientKey}.pub`), { mode: 0o600 });
    await ensurePrivilegeSeparationDir();

    const user = userInfo().username;
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      const port = await freePort();
      const config = path.join(dir, "sshd_config");
      await writeFile(config, sshdConfig(dir, port, hostKey, user, options));
      const logFile = path.join(dir, "sshd.log");
      const launch = async () => {
        const child = spawn(SSHD_BINARY, ["-D", "-f", config, "-E", logFile], { stdio: "ignore" });
        try {
          await waitForBanner(port, child);
          return child;
        } catch (error) {
          await killTree(child);
          throw new Error(
            `sshd did not come up on 127.0.0.1:${port}: ${(error as Error).message}\n${await readFile(logFile, "utf8").catch(() => "")}`,
          );
        }
      };
      let child: ChildProcess;
      try {
        child = await launch();
      } catch (error) {
        lastError = error as Error;
        continue; // Most likely the port was taken between the probe and the bind: try another.
      }
      const [type, key] = (await readFile(`${hostKey}.pub`, "utf8")).trim().split(/\s+/);
      return {
        host: "127.0.0.1",
        port,
        user,
        privateKey: await readFile(clientKey, "utf8"),
        privateKeyPath: clientKey,
        knownHostsLine: `[127.0.0.1]:${port} ${type} ${key}`,
        dir,
        log: () => readFile(logFile, "utf8").catch(() => ""),
        halt: () => killTree(child),
        resume: async () => {
          child = await launch();
        },
        stop: async () => {
          await killTree(child);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    throw lastError ?? new Error("sshd did not start");
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function sshdConfig(dir: string, port: number, hostKey: string, user: string, options: SshdOptions): string {
  const sessionEnv = { ...(options.sessionPath ? { PATH: options.sessionPath } : {}), ...options.sessionEnv };
  return [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${hostKey}`,
    `PidFile ${path.join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
    `AllowUsers ${user}`,
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
    "UsePAM no",
    "StrictModes no",
    "PrintMotd no",
    // bash sources ~/.bashrc for commands run by sshd when it is a top-level shell; a developer's
    // root .bashrc may run costly set-up (pyenv init: seconds per Ansible task). SHLVL=1 makes
    // the session's shell a second-level one, so it skips that, as on a clean server.
    `SetEnv SHLVL=1${Object.entries(sessionEnv)
      .map(([name, value]) => ` ${name}=${value}`)
      .join("")}`,
    "Subsystem sftp internal-sftp",
    "LogLevel VERBOSE",
    "",
  ].join("\n");
}

/** A port the kernel just handed out on 127.0.0.1 (closed again before the caller binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Polls until the port answers with an SSH banner; fails early when sshd exits. */
async function waitForBanner(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + BANNER_TIMEOUT_MS;
  let exited: string | undefined;
  child.once("exit", (code, signal) => {
    exited = `sshd exited (${signal ?? code})`;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(exited);
    if (await readsBanner(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(exited ?? `no SSH banner within ${BANNER_TIMEOUT_MS} ms`);
}

function readsBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let text = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      if (text.startsWith("SSH-2.0-")) done(true);
    });
    socket.on("end", () => done(false));
  });
}

/** The pids below `root`, from /proc (children first found, deepest last). */
async function descendants(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // Fields after the command (which may hold spaces and parentheses): state, ppid, …
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!Number.isInteger(ppid)) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

const signal = (pid: number, name: NodeJS.Signals) => {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
};

/** Ends sshd and the sessions it forked: TERM, then KILL for whatever is left after 2 s. */
async function killTree(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const tree = await descendants(pid);
  for (const each of [...tree, pid]) signal(each, "SIGTERM");
  const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 2_000));
  if ((await Promise.race([exited, timer])) === "timeout") {
    for (const each of [...tree, pid]) signal(each, "SIGKILL");
    await exited;
  }
}
