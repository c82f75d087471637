/**
 * What the daemon does with files a job's user wrote, as attackers would have it: an agent
 * rewrites its checkout's `.git` (commands for git to run, a remote to push to) or swaps its HOME
 * for a symlink, a project's manifest is a symlink to the daemon's token file. The daemon, root
 * here, runs nothing of theirs, reads nothing through their symlinks and pushes where the job said;
 * and the real Claude Code does its work as a job user. (support/isolated-daemon.ts)
 */
import { existsSync } from "node:fs";
import { chown, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claudeBinary, startFakeAnthropic } from "./support/fake-anthropic.ts";
import { fixtureGit, removeTempDirs, tempDir } from "./support/git-fixtures.ts";
import { bareRepoOf, type IsolatedDaemon, startIsolatedDaemon } from "./support/isolated-daemon.ts";

const RANGE = { first: 1_900_500_010, last: 1_900_500_019 };
const push = { branch: "agent/1", message: "Agent", author: { name: "A", email: "a@example.test" } };

let daemon: IsolatedDaemon;

beforeAll(async () => {
  daemon = await startIsolatedDaemon(RANGE);
});

afterAll(async () => {
  await daemon?.stop();
  await removeTempDirs();
});

describe("files a job's user wrote", { timeout: 60_000 }, () => {
  it("the daemon commits and pushes what an agent changed through its own git directory: the agent's .git runs nothing and redirects nothing", async () => {
    const remote = await bareRepoOf({ README: "app\n" });
    const decoy = path.join(path.dirname(remote), "decoy.git");
    fixtureGit(path.dirname(remote), "init", "--quiet", "--bare", decoy);
    // Where only root can write: would the daemon's git run what the agent configured, it lands here.
    const marker = path.join(daemon.dataDir, "pwned");
    const agentScript = `echo hello > hello.txt
git config core.fsmonitor "touch ${marker}"
git config filter.x.clean "sh -c 'touch ${marker}; cat'"
echo '* filter=x' > .gitattributes
git remote set-url origin file://${decoy}
echo '{"result":"changed"}'`;
    const result = await daemon.hub.run("agent", {
      adapter: "custom",
      command: ["sh", "-c", agentScript],
      prompt: "change it",
      checkout: { url: `file://${remote}`, ref: "main", push },
    });
    expect(result.status, `${result.error}\n${result.log}`).toBe("succeeded");
    expect(result.output).toMatchObject({ pushed: true });
    expect(fixtureGit(remote, "show", "agent/1:hello.txt")).toBe("hello");
    expect(fixtureGit(decoy, "for-each-ref")).toBe("");
    expect(existsSync(marker)).toBe(false);
  });

  it("a template's tasks run as the job's user; the daemon publishes through its own git directory, not theirs", async () => {
    const template = await tempDir("co-isolation-template-");
    const marker = path.join(daemon.dataDir, "pwned-by-a-task");
    const tasks = ["id -u > task-uid", `git init -q . && git config core.fsmonitor 'touch ${marker}'`];
    await writeFile(
      path.join(template, "copier.yml"),
      `_tasks:\n${tasks.map((t) => `  - "${t}"\n`).join("")}`,
    );
    await writeFile(path.join(template, "README.md"), "scaffold\n");
    const remote = path.join(await tempDir("co-isolation-remote-"), "new.git");
    const result = await daemon.hub.run("copier", {
      template: { path: template },
      trust: true,
      // The pipeline's way: the answers file is written although the template has none.
      recordAnswers: true,
      publish: { url: `file://${remote}`, author: push.author, create: true },
    });
    expect(result.status, `${result.error}\n${result.log}`).toBe("succeeded");
    expect(daemon.inRange(Number(fixtureGit(remote, "show", "main:task-uid")))).toBe(true);
    expect(fixtureGit(remote, "ls-tree", "--name-only", "main").split("\n")).toEqual([
      ".copier-answers.yml",
      "README.md",
      "task-uid",
    ]);
    expect(existsSync(marker)).toBe(false);
  });

  it("a project whose manifest is a symlink to the token file gets neither the file nor a quote of it", async () => {
    const repo = await bareRepoOf({ "orchestrator.json": { symlink: daemon.tokenFile } });
    const result = await daemon.hub.run("test", { checkout: { url: `file://${repo}` } });
    expect(result).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/^orchestrator.json is a symlink/),
    });
    expect(JSON.stringify(result)).not.toContain(daemon.token.slice(0, 8));
  });

  it("an agent that swaps its HOME for a symlink sends the daemon nowhere: the next job has a HOME again", async () => {
    // Someone else's directory, which handing the workspace back to the daemon must not touch.
    const target = await tempDir("co-isolation-target-");
    await chown(target, 4242, 4242);
    const swap = `mv "$HOME" "$HOME.old" && ln -s ${target} "$HOME" && echo '{"result":"swapped"}'`;
    const check = `test -d "$HOME" && ! test -L "$HOME" && echo "a real home"; echo '{"result":"checked"}'`;
    const spec = { adapter: "custom", prompt: "x", workspace: "proj-swap" };
    const swapped = await daemon.hub.run("agent", { ...spec, command: ["sh", "-c", swap] });
    expect(swapped.status, swapped.error).toBe("succeeded");
    expect((await stat(target)).uid).toBe(4242);
    const next = await daemon.hub.run("agent", { ...spec, command: ["sh", "-c", check] });
    expect(next.log).toContain("a real home\n");
    expect((await stat(target)).uid).toBe(4242);
  });

  it.skipIf(!claudeBinary())(
    "the real Claude Code works as a job user: it writes, runs a command, and its work is pushed",
    async () => {
      const remote = await bareRepoOf({ README: "app\n" });
      const checkout = path.join(daemon.dataDir, "cache", "agent-workspaces", "proj-claude", "checkout");
      const fake = await startFakeAnthropic([
        {
          tool: {
            name: "Write",
            input: { file_path: path.join(checkout, "hello.js"), content: "console.log('hi');\n" },
          },
        },
        {
          tool: {
            name: "Bash",
            input: { command: "node hello.js > out.txt && id -u >> out.txt", description: "run" },
          },
        },
        { text: "Done." },
      ]);
      try {
        const result = await daemon.hub.run(
          "agent",
          {
            prompt: "Add hello.js and run it",
            workspace: "proj-claude",
            baseUrl: fake.baseUrl,
            apiKeySecret: "ANTHROPIC_API_KEY",
            checkout: { url: `file://${remote}`, ref: "main", push },
          },
          { ANTHROPIC_API_KEY: "sk-ant-test" },
        );
        expect(result.status, `${result.error}\n${result.log}`).toBe("succeeded");
        const [hi, uid] = fixtureGit(remote, "show", "agent/1:out.txt").split("\n");
        expect(hi).toBe("hi");
        expect(daemon.inRange(Number(uid))).toBe(true);
      } finally {
        await fake.close();
      }
    },
  );
});
