/**
 * project_logs for a project Compose runs (real `ansible-playbook`, an sshd on 127.0.0.1 whose
 * sessions find a stand-in `docker` first on their PATH): the play finds the compose project by
 * its containers' label, asks `docker compose -p co-<project> logs` for the last lines with
 * `--since` (days as hours, times as given), through `docker_host`, and returns what it printed.
 */
import { spawnSync } from "node:child_process";
import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { AnsibleResult, AnsibleSpec } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAnsible } from "../src/kinds/ansible/runner.ts";
import { runContext } from "./support/run-context.ts";
import { type Sshd, sshdAvailable, startSshd } from "./support/sshd.ts";
import { removeTempDirs, tempDir } from "./support/temp.ts";

const PROJECT = "logs-compose";
const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;

/** A `docker` that has one container of the compose project and prints how it was asked for logs. */
const FAKE_DOCKER = `#!/bin/sh
if [ "$1" = ps ]; then echo 0123abcd; exit 0; fi
if [ "$1 $2" = "compose version" ]; then echo "Docker Compose version v2.0.0"; exit 0; fi
if [ "$1" = compose ]; then
  echo "web-1  | argv: $*"
  echo "web-1  | host: \${DOCKER_HOST:-default}"
  echo "db-1   | ready"
  exit 0
fi
exit 1
`;

let sshd: Sshd;
let deployRoot: string;

async function readLogs(vars: Record<string, unknown>) {
  const test = await runContext({
    workdir: await tempDir("co-ansible-job-"),
    secrets: { SSH_KEY: sshd.privateKey },
    deadlineAt: Date.now() + 60_000,
  });
  const spec = AnsibleSpec.parse({
    playbook: "project_logs",
    target: { host: sshd.host, port: sshd.port, user: sshd.user, knownHosts: sshd.knownHostsLine },
    sshKeySecret: "SSH_KEY",
    vars: { project: PROJECT, deploy_root: deployRoot, service_manager: "auto", ...vars },
  });
  const outcome = await runAnsible(spec, test.ctx);
  expect(outcome.status, `${outcome.error}\n${test.text()}`).toBe("succeeded");
  return AnsibleResult.parse(outcome.output).logs;
}

beforeAll(async () => {
  if (!ansible || !sshdAvailable()) return;
  const bin = await tempDir("co-fake-docker-");
  await writeFile(path.join(bin, "docker"), FAKE_DOCKER);
  await chmod(bin, 0o755);
  await chmod(path.join(bin, "docker"), 0o755);
  deployRoot = await tempDir("co-logs-compose-root-");
  sshd = await startSshd({
    sessionPath: `${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
  });
}, 60_000);

afterAll(async () => {
  await sshd?.stop();
  await removeTempDirs();
});

describe.skipIf(!ansible || !sshdAvailable())("project_logs with compose", { timeout: 120_000 }, () => {
  it("reads the compose project's logs, since a number of days, through docker_host", async () => {
    const logs = await readLogs({ lines: 7, since: "1d", docker_host: "tcp://127.0.0.1:2375" });
    expect(logs).toEqual({
      manager: "compose",
      truncated: false,
      text: [
        `web-1  | argv: compose -p co-${PROJECT} logs --no-color --tail=7 --since=24h`,
        "web-1  | host: tcp://127.0.0.1:2375",
        "db-1   | ready",
      ].join("\n"),
    });
  });

  it("hands a UTC time to --since as it is, and reads nothing else when told compose", async () => {
    const logs = await readLogs({ lines: 3, since: "2026-01-31T12:00:00Z", service_manager: "compose" });
    expect(logs?.text.split("\n")[0]).toBe(
      `web-1  | argv: compose -p co-${PROJECT} logs --no-color --tail=3 --since=2026-01-31T12:00:00Z`,
    );
    expect(await readLogs({ lines: 3, service_manager: "process" })).toEqual({
      manager: null,
      text: "",
      truncated: false,
    });
  });
});
