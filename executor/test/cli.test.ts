import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseExecutorArgs, UsageError } from "../src/commands/executor.ts";
import { backoffDelay } from "../src/daemon/backoff.ts";
import { connectUrl } from "../src/daemon/connection.ts";
import { removeTempDirs, tempDir } from "./support/temp.ts";

afterAll(removeTempDirs);

const env = { ORCHESTRATOR_EXECUTOR_TOKEN: "coe_from_env" };

describe("orchestrator executor arguments", () => {
  it("refuses a token on the command line, in either form", async () => {
    for (const args of [
      ["--url", "http://x", "--token", "coe_x"],
      ["--url", "http://x", "--token=coe_x"],
    ]) {
      await expect(parseExecutorArgs(args, {})).rejects.toThrow(/Never pass the token on the command line/);
    }
  });

  it("takes the token from the environment or a file, and parses the rest", async () => {
    const settings = await parseExecutorArgs(
      ["--url", "http://127.0.0.1:8787", "--capacity", "4", "--labels", "zone=eu,gpu=no"],
      env,
    );
    expect(settings).toMatchObject({ token: "coe_from_env", capacity: 4, labels: { zone: "eu", gpu: "no" } });
    const file = path.join(await tempDir("co-cli-"), "token");
    await writeFile(file, "coe_from_file\n", { mode: 0o600 });
    const fromFile = await parseExecutorArgs(["--url", "http://x", "--token-file", file], env);
    expect(fromFile).toMatchObject({ token: "coe_from_file" });
  });

  it("takes systemd's executor-token credential after --token-file and before the variable", async () => {
    const credentials = await tempDir("co-credentials-");
    const withCredentials = { ...env, CREDENTIALS_DIRECTORY: credentials };
    // A credentials directory without it (other credentials): the variable.
    const fromEnv = await parseExecutorArgs(["--url", "http://x"], withCredentials);
    expect(fromEnv).toMatchObject({ token: "coe_from_env" });
    await writeFile(path.join(credentials, "executor-token"), "coe_from_credential\n", { mode: 0o400 });
    const fromCredential = await parseExecutorArgs(["--url", "http://x"], withCredentials);
    expect(fromCredential).toMatchObject({ token: "coe_from_credential" });
    const file = path.join(credentials, "file");
    await writeFile(file, "coe_from_file\n", { mode: 0o600 });
    const fromFile = await parseExecutorArgs(["--url", "http://x", "--token-file", file], withCredentials);
    expect(fromFile).toMatchObject({ token: "coe_from_file" });
  });

  it.each([
    [[], /--url is required/],
    [["--url", "not a url"], /not a URL/],
    [["--url", "http://x", "--capacity", "0"], /--capacity/],
    [["--url", "http://x", "--labels", "novalue"], /--labels/],
    [["--url", "http://x", "--labels", "bad key=v"], /--labels/],
  ])("says what is wrong with %j", async (args, message) => {
    await expect(parseExecutorArgs(args, env)).rejects.toThrow(message);
    await expect(parseExecutorArgs(args, env)).rejects.toBeInstanceOf(UsageError);
  });

  it("takes the job uid range and the shared-uid opt-in from flags or the environment, and checks them", async () => {
    const defaults = await parseExecutorArgs(["--url", "http://x"], env);
    expect(defaults).toMatchObject({
      jobUids: { first: 1_900_000_000, last: 1_900_000_999 },
      allowSharedUidJobs: false,
    });
    const flags = ["--url", "http://x", "--job-uid-range", "300000-300009", "--allow-shared-uid-jobs"];
    expect(await parseExecutorArgs(flags, env)).toMatchObject({
      jobUids: { first: 300_000, last: 300_009 },
      allowSharedUidJobs: true,
    });
    const fromEnv = {
      ...env,
      ORCHESTRATOR_JOB_UIDS: "400000-400099",
      ORCHESTRATOR_ALLOW_SHARED_UID_JOBS: "1",
    };
    expect(await parseExecutorArgs(["--url", "http://x"], fromEnv)).toMatchObject({
      jobUids: { first: 400_000, last: 400_099 },
      allowSharedUidJobs: true,
    });
    for (const [args, message] of [
      [["--job-uid-range", "0-999"], /--job-uid-range: a job uid range is FIRST-LAST/],
      [["--job-uid-range", "300010-300000"], /--job-uid-range/],
      [["--job-uid-range", "300000-300001", "--capacity", "4"], /at least --capacity uids/],
    ] as const) {
      await expect(parseExecutorArgs(["--url", "http://x", ...args], env)).rejects.toThrow(message);
    }
    await expect(
      parseExecutorArgs(["--url", "http://x"], { ...env, ORCHESTRATOR_ALLOW_SHARED_UID_JOBS: "yes" }),
    ).rejects.toThrow(/ORCHESTRATOR_ALLOW_SHARED_UID_JOBS/);
  });

  it("refuses to start without a token", async () => {
    await expect(parseExecutorArgs(["--url", "http://x"], {})).rejects.toThrow(/No token/);
  });
});

describe("connection", () => {
  it("derives the connect URL from the Worker's base URL", () => {
    expect(connectUrl("http://127.0.0.1:8787")).toBe("ws://127.0.0.1:8787/api/v1/executors/connect");
    expect(connectUrl("https://o.example/")).toBe("wss://o.example/api/v1/executors/connect");
    expect(connectUrl("wss://o.example/custom")).toBe("wss://o.example/custom");
  });

  it("backs off exponentially with jitter, capped at 30 s", () => {
    expect(backoffDelay(0, 500, 30_000, () => 0)).toBe(250);
    expect(backoffDelay(0, 500, 30_000, () => 1)).toBe(500);
    expect(backoffDelay(3, 500, 30_000, () => 1)).toBe(4000);
    expect(backoffDelay(20, 500, 30_000, () => 1)).toBe(30_000);
    expect(backoffDelay(20, 500, 30_000, () => 0)).toBe(15_000);
  });
});
