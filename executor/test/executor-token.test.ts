/**
 * `orchestrator executor` as a service starts it, a real child process: given its token in
 * ORCHESTRATOR_EXECUTOR_TOKEN, the daemon that runs (the same pid, after it re-executed itself)
 * has nothing of it in /proc/<pid>/environ, which a job's process of the same user could read,
 * and still authenticates with it. The hub is a bare WebSocket server that records the
 * Authorization header the daemon connects with.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { isRunning } from "../../test/support/processes.ts";
import { WAIT_MS } from "./support/containers.ts";
import { removeTempDirs, tempDir } from "./support/temp.ts";

const cli = path.resolve(import.meta.dirname, "../src/cli.ts");
const started: ChildProcess[] = [];
const servers: WebSocketServer[] = [];

afterAll(async () => {
  for (const child of started) if (child.pid && isRunning(child.pid)) child.kill("SIGKILL");
  for (const server of servers) server.close();
  await removeTempDirs();
});

/** A hub that accepts the daemon's connection and tells the Authorization header it came with. */
async function hub() {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  servers.push(server);
  await once(server, "listening");
  const authorization = new Promise<string | undefined>((resolve, reject) => {
    server.once("connection", (_socket, request) => resolve(request.headers.authorization));
    setTimeout(() => reject(new Error("the daemon never connected")), WAIT_MS).unref();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, authorization };
}

async function startDaemon(url: string, env: Record<string, string>) {
  const dataDir = await tempDir("co-daemon-");
  const child = spawn(
    process.execPath,
    [cli, "executor", "--url", url, "--data-dir", dataDir, "--capacity", "1", "--grace-ms", "0"],
    { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  started.push(child);
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = once(child, "exit").then(([code]) => code as number | null);
  return { child, pid: child.pid as number, exited, output: () => output };
}

describe("the executor token", () => {
  it("given in the environment, is not in the running daemon's, which authenticates with it", async () => {
    const canary = `coe_canary_${randomUUID()}`;
    const stub = await hub();
    const daemon = await startDaemon(stub.url, { ORCHESTRATOR_EXECUTOR_TOKEN: canary });
    const authorization = await stub.authorization.catch((error: Error) => {
      throw new Error(`${error.message}; its output:\n${daemon.output()}`);
    });
    expect(authorization).toBe(`Bearer ${canary}`);

    // The daemon that connected is the process started (re-executed in place, same pid).
    const environ = readFileSync(`/proc/${daemon.pid}/environ`, "utf8").split("\0");
    expect(environ.join("\n")).not.toContain(canary);
    expect(environ.some((entry) => entry.startsWith("ORCHESTRATOR_EXECUTOR_TOKEN="))).toBe(false);
    expect(readFileSync(`/proc/${daemon.pid}/cmdline`, "utf8")).not.toContain(canary);
    // The file it was handed over in is gone, with its private directory.
    const handoff = environ.find((entry) => entry.startsWith("ORCHESTRATOR_EXECUTOR_TOKEN_HANDOFF="));
    const file = handoff?.slice(handoff.indexOf("=") + 1) ?? "";
    expect(file).not.toBe("");
    expect(existsSync(path.dirname(file))).toBe(false);

    daemon.child.kill("SIGTERM");
    expect(await daemon.exited).toBe(0);
    expect(daemon.output()).not.toContain(canary);
  });
});
