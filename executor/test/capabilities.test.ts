/**
 * What an executor advertises follows from its host: ansible only with `ansible-playbook` on PATH,
 * `container` and `docker` only with an answering engine, `sysbox` only when the engine has the
 * `sysbox-runc` runtime (here runc registered under that name: Sysbox cannot be installed on these
 * machines), so the hub never sends a job where it cannot run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { detectCapabilities } from "../src/daemon/capabilities.ts";
import { type TestEngine, useDockerEngine } from "./support/docker-engine.ts";

const saved = { PATH: process.env.PATH, DOCKER_HOST: process.env.DOCKER_HOST };
afterEach(() => {
  process.env.PATH = saved.PATH;
  if (saved.DOCKER_HOST === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved.DOCKER_HOST;
});

describe("executor capabilities", { timeout: 90_000 }, () => {
  let engine: TestEngine;
  let empty: string;
  beforeAll(async () => {
    engine = await useDockerEngine({ sysboxRuntime: true });
    empty = await mkdtemp(path.join(tmpdir(), "co-caps-"));
  });
  afterAll(async () => {
    await engine?.stop();
    await rm(empty, { recursive: true, force: true });
  });

  it("advertises the engine's kinds and Sysbox when the engine answers", async () => {
    process.env.DOCKER_HOST = engine.host;
    const found = await detectCapabilities();
    expect(found).toEqual(
      expect.arrayContaining(["exec", "copier", "git", "agent", "test", "container", "docker", "sysbox"]),
    );
    expect(found.includes("ansible")).toBe(true); // npm test installs ansible-core
  });

  it("leaves out what the host lacks: no engine, no ansible-playbook", async () => {
    process.env.DOCKER_HOST = `unix://${path.join(empty, "no-such.sock")}`;
    process.env.PATH = empty;
    expect(await detectCapabilities()).toEqual([
      "exec",
      "copier",
      "git",
      "agent",
      "test",
      "http_check",
      "http_watch",
    ]);
  });
});
