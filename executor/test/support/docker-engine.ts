/**
 * A real Docker engine for tests (and the container benchmark). An engine already answering at
 * `DOCKER_HOST` (else the default socket) is used when it fits; otherwise one is started here:
 *
 *   dockerd --bridge=none --iptables=false --ip6tables=false --data-root/--exec-root/--pidfile <tmp>
 *           -H unix://<tmp>/docker.sock [--add-runtime sysbox-runc=<runc>]
 *
 * Sysbox cannot be installed on these machines, so `--add-runtime sysbox-runc=<path of runc>`
 * registers plain runc under Sysbox's name: a container the runner asks to run with `sysbox-runc`
 * really gets that runtime (it shows in `HostConfig.Runtime`), which is what tests can prove here.
 *
 * Starting one needs root and Debian's `docker.io` (`bash scripts/system-deps.sh` installs it as
 * root). Without them this throws, saying so: the container tests fail rather than skip.
 *
 * The test image, `co-test/busybox:1`, is `docker import`ed from a rootfs of `/bin/busybox`
 * (busybox-static) with a symlink per applet (sh, echo, sleep, cat…), `PATH=/bin`.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { isRunning } from "../../../test/support/processes.ts";
import { type DockerEngine, dockerEngine, engineAddress } from "../../src/containers/engine.ts";

export const TEST_IMAGE = "co-test/busybox:1";
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;

export interface TestEngine {
  /** `unix://…`, as DOCKER_HOST would say it. */
  host: string;
  docker: DockerEngine;
  /** True when started here (and stopped by `stop`). */
  owned: boolean;
  /** The dockerd process started here, if any. */
  pid: number | null;
  /** The started engine's log (empty for an engine found running). */
  logFile: string | null;
  /** Stops an engine started here and removes its state; a no-op for one found running. */
  stop(): Promise<void>;
}

export interface EngineWish {
  /**
   * Whether a runtime named `sysbox-runc` must be registered (true) or must be absent (false);
   * either will do when undefined (a started engine then has it).
   */
  sysboxRuntime?: boolean;
}

/** An engine as wished: the one already running when it fits, else a fresh one. */
export async function useDockerEngine(wish: EngineWish): Promise<TestEngine> {
  const ambient = await ambientEngine();
  if (
    ambient &&
    (wish.sysboxRuntime === undefined ||
      (await hasRuntime(ambient.docker, "sysbox-runc")) === wish.sysboxRuntime)
  )
    return ambient;
  return startDockerEngine(wish);
}

async function ambientEngine(): Promise<TestEngine | null> {
  const host = engineAddress();
  if (host.startsWith("unix://") && !existsSync(host.slice("unix://".length))) return null;
  const docker = await dockerEngine(host);
  try {
    await ping(docker, 2_000);
  } catch {
    return null;
  }
  return { host, docker, owned: false, pid: null, logFile: null, stop: async () => {} };
}

/** `/_ping`, bounded (dockerode takes an abort signal here, though its types do not say so). */
const ping = (docker: DockerEngine, timeoutMs: number) =>
  (docker.ping as unknown as (options: object) => Promise<unknown>).call(docker, {
    abortSignal: AbortSignal.timeout(timeoutMs),
  });

async function hasRuntime(docker: DockerEngine, name: string): Promise<boolean> {
  const info = (await docker.info()) as { Runtimes?: Record<string, unknown> };
  return Object.hasOwn(info.Runtimes ?? {}, name);
}

function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

const HOW_TO_GET_ONE =
  "Run the tests as root on Debian after `bash scripts/system-deps.sh` (it installs docker.io and " +
  "busybox-static), or point DOCKER_HOST at an engine.";

/**
 * A 10.x.0.0/16 block no route of this host uses yet, chosen at random: another engine started by
 * a test in parallel is very unlikely to pick the same one (and then finds its routes taken).
 */
function unusedPrivateBlock(): string {
  const routes = readFileSync("/proc/net/route", "utf8");
  // Destinations are little-endian hex: 10.x.y.z is "..xx0A" (0A the first octet).
  const used = new Set(
    [...routes.matchAll(/^\S+\s+([0-9A-F]{8})\s/gm)]
      .map((match) => match[1] as string)
      .filter((destination) => destination.endsWith("0A"))
      .map((destination) => Number.parseInt(destination.slice(4, 6), 16)),
  );
  const free = Array.from({ length: 200 }, (_, i) => 40 + i).filter((octet) => !used.has(octet));
  const octet = free[Math.floor(Math.random() * free.length)] ?? 40;
  return `10.${octet}.0.0/16`;
}

/** Starts a private dockerd with its state in a temporary directory. */
export async function startDockerEngine(wish: EngineWish): Promise<TestEngine> {
  const dockerd = findBinary("dockerd");
  if (!dockerd) throw new Error(`No Docker engine answers and dockerd is not installed. ${HOW_TO_GET_ONE}`);
  if (process.getuid?.() !== 0)
    throw new Error(`No Docker engine answers and starting dockerd needs root. ${HOW_TO_GET_ONE}`);
  const runc = findBinary("runc");
  const sysbox = wish.sysboxRuntime ?? true;
  if (sysbox && !runc) throw new Error(`runc is not installed (docker.io depends on it). ${HOW_TO_GET_ONE}`);

  const dir = await mkdtemp(path.join(tmpdir(), "co-dockerd-"));
  const socket = path.join(dir, "docker.sock");
  const logFile = path.join(dir, "dockerd.log");
  const args = [
    "--bridge=none",
    "--iptables=false",
    "--ip6tables=false",
    `--data-root=${path.join(dir, "data")}`,
    `--exec-root=${path.join(dir, "exec")}`,
    `--pidfile=${path.join(dir, "docker.pid")}`,
    `--host=unix://${socket}`,
    // Networks of its own (compose's): engines of tests running side by side must not pick the
    // same subnets, whose routes on this host would clash (names stop resolving, traffic strays).
    `--default-address-pool=base=${unusedPrivateBlock()},size=24`,
    // Its own containerd (dockerd starts one under the exec root when given none).
    ...(sysbox ? [`--add-runtime=sysbox-runc=${runc}`] : []),
  ];
  const log = openSync(logFile, "a");
  // dockerd runs iptables (in containers' namespaces too: the embedded DNS of compose networks)
  // and other system tools from the sbin directories, which a caller's PATH may lack.
  const env = { ...process.env, PATH: `${process.env.PATH ?? "/usr/bin:/bin"}:/usr/sbin:/sbin` };
  const child = spawn(dockerd, args, { detached: true, env, stdio: ["ignore", log, log] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const pid = child.pid ?? null;
  const host = `unix://${socket}`;
  const docker = await dockerEngine(host);

  const engine: TestEngine = {
    host,
    docker,
    owned: true,
    pid,
    logFile,
    stop: async () => {
      const bridges = await bridgesOf(docker);
      await stopStarted(dir, pid, exited);
      // dockerd leaves its networks' bridges (and their routes) behind when it stops.
      for (const bridge of bridges) spawnSync("ip", ["link", "delete", bridge], { stdio: "ignore" });
    },
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  for (;;) {
    if (existsSync(socket)) {
      try {
        await ping(docker, 1_000);
        return engine;
      } catch {
        // Not ready yet.
      }
    }
    if (exitCode !== undefined || Date.now() > deadline) {
      const tail = (await readFile(logFile, "utf8").catch(() => "")).split("\n").slice(-15).join("\n");
      await engine.stop();
      throw new Error(
        `dockerd ${exitCode !== undefined ? `exited (${exitCode})` : `did not answer within ${START_TIMEOUT_MS} ms`}` +
          ` at ${host}. ${HOW_TO_GET_ONE}\nIts log ends:\n${tail}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The host bridges of the engine's bridge networks (`br-<12 hex of its id>` unless named). */
async function bridgesOf(docker: DockerEngine): Promise<string[]> {
  const networks = await docker.listNetworks().catch(() => []);
  return networks
    .filter((network) => network.Driver === "bridge")
    .map((network) => network.Options?.["com.docker.network.bridge.name"] ?? `br-${network.Id.slice(0, 12)}`);
}

/**
 * SIGTERM to dockerd (it stops its containers and its containerd), SIGKILL to its group after a
 * bounded wait; then any process still holding the engine's state (a containerd shim) is killed
 * by pid, mounts left under the state directory are detached, and the directory removed.
 */
async function stopStarted(dir: string, pid: number | null, exited: Promise<number | null>): Promise<void> {
  if (pid !== null && isRunning(pid)) {
    process.kill(pid, "SIGTERM");
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), STOP_TIMEOUT_MS)),
    ]);
    if (timedOut) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // Gone meanwhile.
      }
      await exited;
    }
  }
  for (const straggler of processesMentioning(dir)) {
    try {
      process.kill(straggler, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
  for (const mount of mountsUnder(dir).reverse()) spawnSync("umount", ["-l", mount]);
  if (mountsUnder(dir).length === 0) await rm(dir, { recursive: true, force: true });
}

function processesMentioning(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(dir)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .filter((mountPoint) => mountPoint.startsWith(`${dir}/`));
}

/** Imports `co-test/busybox:1` into the engine unless it has it. */
export async function ensureTestImage(docker: DockerEngine): Promise<string> {
  if (await hasImage(docker, TEST_IMAGE)) return TEST_IMAGE;
  const rootfs = await busyboxRootfs();
  try {
    await importRootfs(docker, rootfs, TEST_IMAGE, ["ENV PATH=/bin"]);
    return TEST_IMAGE;
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
}

export const hasImage = (docker: DockerEngine, image: string): Promise<boolean> =>
  docker
    .getImage(image)
    .inspect()
    .then(
      () => true,
      () => false,
    );

/**
 * A temporary rootfs directory (the caller removes it) with a static busybox as `/bin/busybox`, a
 * symlink per applet (sh, echo, sleep, cat…) and `/tmp`.
 */
export async function busyboxRootfs(): Promise<string> {
  const busybox = ["/bin/busybox", "/usr/bin/busybox"].find(
    (candidate) => existsSync(candidate) && isStatic(candidate),
  );
  if (!busybox)
    throw new Error(`No static busybox to build an image from (Debian: busybox-static). ${HOW_TO_GET_ONE}`);
  const rootfs = await mkdtemp(path.join(tmpdir(), "co-rootfs-"));
  await mkdir(path.join(rootfs, "bin"));
  await mkdir(path.join(rootfs, "tmp"));
  await chmod(path.join(rootfs, "tmp"), 0o1777); // mkdir's mode is cut by the umask
  spawnSync("cp", [busybox, path.join(rootfs, "bin", "busybox")]);
  const applets = spawnSync(busybox, ["--list"], { encoding: "utf8" })
    .stdout.split("\n")
    .filter((name) => /^[\w.[-]+$/.test(name) && name !== "busybox");
  for (const applet of applets) await symlink("busybox", path.join(rootfs, "bin", applet));
  return rootfs;
}

/** `docker import` of a rootfs directory as `image` (`repo:tag`), with Dockerfile `changes`. */
export async function importRootfs(
  docker: DockerEngine,
  rootfs: string,
  image: string,
  changes: string[],
): Promise<void> {
  const [repo, tag] = image.split(":");
  const tar = spawn("tar", ["-C", rootfs, "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
  const stream = await docker.importImage(tar.stdout, { repo, tag, changes } as object);
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve())),
  );
  await docker.getImage(image).inspect();
}

/** A 64-bit little-endian ELF without a PT_INTERP program header: statically linked. */
function isStatic(binary: string): boolean {
  const elf = readFileSync(binary);
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (elf.readUInt32LE(phoff + i * phentsize) === 3) return false;
  return true;
}
