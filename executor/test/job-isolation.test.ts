/**
 * Jobs as attackers. A real daemon (support/isolated-daemon.ts: root as these tests run, its token
 * in a 0600 file) runs each job that runs code on the host as a uid of its own. An exec job, an
 * agent in process isolation (the custom adapter running a shell script) and a project's tests
 * each try to read the daemon's environment and token file, another running job's workdir, secret
 * file and environment, and another project's agent workspace: every read is denied. Their own
 * files and HOME work, and the workdir is gone afterwards, as is what they left running. (What
 * the daemon does with files a job wrote: job-files.test.ts; without a way to switch users:
 * job-users.test.ts.)
 */
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRunning } from "../../test/support/processes.ts";
import { bareRepoOf, type IsolatedDaemon, startIsolatedDaemon, waitFor } from "./support/isolated-daemon.ts";
import { removeTempDirs } from "./support/temp.ts";

const RANGE = { first: 1_900_500_000, last: 1_900_500_009 };
const VICTIM_SECRET = `victim-secret-${randomUUID()}`;

/** Tries to read each path of $TARGETS and the daemon's environment (its parent's): says what happened. */
const ATTACK = `echo "uid $(id -u) ppid $PPID"
for f in /proc/$PPID/environ $TARGETS; do
  if out=$(cat "$f" 2>&1 >/dev/null); then echo "read $f"; else echo "denied $f: $out"; fi
done`;

let daemon: IsolatedDaemon;

beforeAll(async () => {
  daemon = await startIsolatedDaemon(RANGE);
});

afterAll(async () => {
  await daemon?.stop();
  await removeTempDirs();
});

/** What the attack printed, per target: `read` or the error; and the attacker's uid and parent. */
function verdicts(log: string) {
  const [, uid, ppid] = /^uid (\d+) ppid (\d+)$/m.exec(log) ?? [];
  const lines = log.split("\n").filter((line) => /^(read|denied) /.test(line));
  return { uid: Number(uid), ppid: Number(ppid), lines };
}

/** A bare repository whose tests (orchestrator.json) are the attack, after a setup step. */
async function attackingProject(): Promise<string> {
  const manifest = { test: { setup: ["sh", "-c", "id -u > setup-uid"], command: ["sh", "attack.sh"] } };
  const repo = await bareRepoOf({
    "attack.sh": `echo "setup $(cat setup-uid)"\n${ATTACK}`,
    "orchestrator.json": JSON.stringify(manifest),
  });
  return `file://${repo}`;
}

describe("job users", { timeout: 60_000 }, () => {
  it("an exec job runs as a uid of its own with no groups or capabilities, owns its workdir and HOME, which are gone afterwards", async () => {
    const script = [
      'echo "ids $(id -u) $(id -g)"',
      'grep -E "^(Groups|CapPrm|CapEff|CapAmb):" /proc/self/status',
      'echo "cwd $PWD $(stat -c %u:%a "$PWD")"',
      'echo mine > own.txt && echo "own $(cat own.txt)"',
      'echo kept > "$HOME/.rc" && echo "home $HOME $(cat "$HOME/.rc")"',
    ].join("\n");
    const result = await daemon.hub.run("exec", { command: ["sh", "-c", script] });
    expect(result.status, result.log).toBe("succeeded");
    const [, uid, gid] = /^ids (\d+) (\d+)$/m.exec(result.log) ?? [];
    expect(daemon.inRange(Number(uid))).toBe(true);
    expect(gid).toBe(uid);
    expect(readFileSync(`/proc/${daemon.pid}/status`, "utf8")).toMatch(/^Groups:\s*4 27\s*$/m);
    expect(result.log).toMatch(/^Groups:\s*$/m);
    for (const set of ["CapPrm", "CapEff", "CapAmb"])
      expect(result.log).toMatch(new RegExp(`^${set}:\\s*0+$`, "m"));
    const [, cwd, owner] = /^cwd (\S+) (\S+)$/m.exec(result.log) ?? [];
    expect(owner).toBe(`${uid}:700`);
    expect(result.log).toContain("own mine\n");
    expect(result.log).toContain(`home ${cwd} kept\n`);
    expect(existsSync(cwd ?? "/nonexistent")).toBe(false);
  });

  it("what a job leaves running, even outside its process group, is killed when it ends", async () => {
    const script = `setsid sh -c 'echo $$ > bg.pid; exec sleep 300' < /dev/null > /dev/null 2>&1 &
while [ ! -s bg.pid ]; do sleep 0.05; done
echo "bg $(cat bg.pid)"`;
    const result = await daemon.hub.run("exec", { command: ["sh", "-c", script] });
    expect(result.status, result.log).toBe("succeeded");
    const pid = Number(/^bg (\d+)$/m.exec(result.log)?.[1]);
    expect(pid).toBeGreaterThan(1);
    await waitFor("the background process to die", () => (isRunning(pid) ? undefined : true));
  });

  it("exec, agent and test jobs cannot read the daemon's environment or token, another job's files or another project's workspace", async () => {
    // Another project's workspace, left by its agent (process isolation) with a session in HOME.
    const workspaceAgent = `echo session > "$HOME/session.json"; echo notes > NOTES.md
echo "agent uid $(id -u)"; echo '{"result":"ok"}'`;
    const project = await daemon.hub.run("agent", {
      adapter: "custom",
      command: ["sh", "-c", workspaceAgent],
      prompt: "take notes",
      workspace: "proj-a",
    });
    expect(project.status, project.error).toBe("succeeded");
    const workspace = path.join(daemon.dataDir, "cache", "agent-workspaces", "proj-a");

    // Another job, running meanwhile, with a secret in its environment and in a file of its workdir.
    const victimScript = `echo "$VICTIM_SECRET" > secret.txt
echo "victim $PWD $$ $(id -u)"
while [ ! -e release ]; do sleep 0.05; done`;
    const victim = daemon.hub.assign("exec", { command: ["sh", "-c", victimScript] }, { VICTIM_SECRET });
    const [, victimDir = "", victimPid, victimUid] = await waitFor("the victim", () =>
      /^victim (\S+) (\d+) (\d+)$/m.exec(daemon.hub.logOf(victim.id))?.slice(),
    );

    const daemonPid = daemon.pid;
    const targets = [
      `/proc/${daemonPid}/environ`,
      `/proc/${daemonPid}/fd`,
      daemon.tokenFile,
      victimDir,
      path.join(victimDir, "secret.txt"),
      `/proc/${victimPid}/environ`,
      path.join(daemon.dataDir, "cache", "agent-workspaces"),
      path.join(workspace, "home", "session.json"),
      path.join(workspace, "checkout", "NOTES.md"),
    ];
    const env = { TARGETS: targets.join(" ") };
    const exec = await daemon.hub.run("exec", { command: ["sh", "-c", ATTACK], env });
    const agentScript = `${ATTACK}\necho '{"result":"attacked"}'`;
    const agent = await daemon.hub.run("agent", {
      adapter: "custom",
      command: ["sh", "-c", agentScript],
      prompt: "x",
      env,
    });
    const tests = await daemon.hub.run("test", { checkout: { url: await attackingProject() }, env });

    for (const [kind, result] of Object.entries({ exec, agent, tests })) {
      expect(result.status, `${kind}: ${result.error}\n${result.log}`).toBe("succeeded");
      const { uid, ppid, lines } = verdicts(result.log);
      expect(daemon.inRange(uid), kind).toBe(true);
      expect(uid, kind).not.toBe(Number(victimUid));
      expect(ppid, kind).toBe(daemonPid);
      expect(lines, kind).toEqual(
        [`/proc/${daemonPid}/environ`, ...targets].map((f) => `denied ${f}: cat: ${f}: Permission denied`),
      );
      expect(result.log, kind).not.toContain(daemon.canary);
      expect(result.log, kind).not.toContain(daemon.token);
      expect(result.log, kind).not.toContain(VICTIM_SECRET);
    }
    // The setup step ran as the tests' user too.
    expect(Number(/^setup (\d+)$/m.exec(tests.log)?.[1])).toBe(verdicts(tests.log).uid);

    await writeFile(path.join(victimDir, "release"), "");
    expect((await victim.result).status).toBe("succeeded");
    expect(existsSync(victimDir)).toBe(false);

    // The uid proj-a's agent had, handed to a later job, gets nothing of the workspace either.
    const agentUid = Number(/^agent uid (\d+)$/m.exec(project.log)?.[1]);
    const workspaceFiles = [path.join(workspace, "home", "session.json"), path.join(workspace, "checkout")];
    for (let round = 0; ; round++) {
      expect(round).toBeLessThan(RANGE.last - RANGE.first + 2);
      const again = await daemon.hub.run("exec", {
        command: ["sh", "-c", ATTACK],
        env: { TARGETS: workspaceFiles.join(" ") },
      });
      const { uid, lines } = verdicts(again.log);
      if (uid !== agentUid) continue;
      expect(lines.slice(1)).toEqual(workspaceFiles.map((f) => `denied ${f}: cat: ${f}: Permission denied`));
      break;
    }
  });
});
