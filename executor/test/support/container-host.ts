/**
 * What the provisioning target and the systemd target share: a scratch directory, a Docker engine
 * of the test's own, one container on it reached through slirp4netns (a user-mode network of its
 * own), and `stop()`, which ends all of them and removes their files, whatever got started.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { openSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { createConnection } from "node:net";
import path from "node:path";
import { startDockerEngine, type TestEngine } from "./docker-engine.ts";
import { tempDir } from "./temp.ts";

export interface ContainerHost {
  dir: string;
  engine: TestEngine;
  /** `docker` against the engine; its stdout. */
  docker: (...args: string[]) => string;
  /** `docker run --detach <args>`: the container `exec`, `write` and `stop` act on. */
  run: (...args: string[]) => string;
  /** Runs a shell command in the container as root; its stdout (its stderr in the error thrown). */
  exec: (command: string) => string;
  /** Writes a file in the container. */
  write: (file: string, content: string) => void;
  /** Gives the container its network (slirp4netns, outbound through the host's). */
  network: () => Promise<void>;
  /** 127.0.0.1:<hostPort> on the host forwarded to the container's <guestPort>. */
  forward: (hostPort: number, guestPort: number) => Promise<void>;
  stop: () => Promise<void>;
}

export async function containerHost(prefix: string): Promise<ContainerHost> {
  const dir = await tempDir(prefix);
  const engine = await startDockerEngine({ sysboxRuntime: false });
  let container: string | null = null;
  let slirp: ChildProcess | null = null;
  const docker = (...args: string[]) =>
    execFileSync("docker", ["--host", engine.host, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  const started = () => {
    if (!container) throw new Error("no container yet: run() first");
    return container;
  };
  return {
    dir,
    engine,
    docker,
    run: (...args) => {
      container = docker("run", "--detach", ...args).trim();
      return container;
    },
    exec: (command) =>
      execFileSync("docker", ["--host", engine.host, "exec", started(), "sh", "-c", command], {
        encoding: "utf8",
        maxBuffer: 64 << 20,
        stdio: ["ignore", "pipe", "pipe"],
      }),
    write: (file, content) => {
      execFileSync("docker", ["--host", engine.host, "exec", "-i", started(), "sh", "-c", `cat > ${file}`], {
        input: content,
      });
    },
    network: async () => {
      slirp = await startSlirp(docker("inspect", "--format={{.State.Pid}}", started()).trim(), dir);
    },
    forward: (hostPort, guestPort) => hostForward(dir, hostPort, guestPort),
    stop: async () => {
      if (slirp && slirp.exitCode === null && slirp.signalCode === null) slirp.kill("SIGTERM");
      if (container) {
        try {
          docker("rm", "--force", "--volumes", container);
        } catch {
          // The engine is going anyway.
        }
      }
      await engine.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** slirp4netns on the container's network namespace (tap0, 10.0.2.100/24), once it says it is ready. */
async function startSlirp(pid: string, dir: string): Promise<ChildProcess> {
  const log = openSync(path.join(dir, "slirp4netns.log"), "a");
  const child = spawn(
    "slirp4netns",
    [
      "--configure",
      "--mtu=65520",
      "--disable-host-loopback",
      `--api-socket=${path.join(dir, "slirp.sock")}`,
      "--ready-fd=3",
      // It exits when this end closes (the test process gone).
      "--exit-fd=4",
      pid,
      "tap0",
    ],
    { stdio: ["ignore", log, log, "pipe", "pipe"] },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("slirp4netns was not ready within 10 s")), 10_000);
    child.stdio[3]?.once("data", () => {
      clearTimeout(timer);
      resolve();
    });
    child.once("exit", async (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `slirp4netns exited (${code}): ${await readFile(path.join(dir, "slirp4netns.log"), "utf8")}`,
        ),
      );
    });
  });
  child.removeAllListeners("exit");
  return child;
}

/** 127.0.0.1:<hostPort> on the host forwarded to the target's <guestPort> (slirp4netns's API). */
function hostForward(dir: string, hostPort: number, guestPort: number): Promise<void> {
  const request = {
    execute: "add_hostfwd",
    arguments: { proto: "tcp", host_addr: "127.0.0.1", host_port: hostPort, guest_port: guestPort },
  };
  return new Promise((resolve, reject) => {
    const socket = createConnection(path.join(dir, "slirp.sock"));
    let answer = "";
    socket.on("connect", () => socket.end(JSON.stringify(request)));
    socket.on("data", (chunk) => {
      answer += chunk.toString();
    });
    socket.on("error", reject);
    socket.on("close", () =>
      answer.includes('"return"')
        ? resolve()
        : reject(new Error(`slirp4netns refused to forward ${hostPort} to ${guestPort}: ${answer}`)),
    );
  });
}
