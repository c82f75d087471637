/**
 * The `agent` job kind with real agents: the real Claude Code CLI against a loopback server that
 * speaks the Messages API and scripts its tool calls (so the agent really edits the checkout and
 * runs commands), a scripted custom agent, and Droid's command line.
 */
import { chmod, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { AgentResult, AgentSpec } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maskingSecrets, type RunContext } from "../src/jobs/runner.ts";
import { runAgent } from "../src/kinds/agent/runner.ts";
import { claudeBinary, type FakeAnthropic, startFakeAnthropic } from "./support/fake-anthropic.ts";
import { bareRepo, fixtureGit, removeTempDirs, revParse, tempDir } from "./support/git-fixtures.ts";
import { runContext } from "./support/run-context.ts";

const CANARY_KEY = "sk-ant-canary-5b1e0c";
const author = { name: "Agent Smith", email: "agent@example.test" };
const scriptedAgent = path.resolve(import.meta.dirname, "support/scripted-agent.mjs");
let cacheDir: string;
let fake: FakeAnthropic | undefined;

beforeAll(async () => {
  cacheDir = await tempDir("co-agent-cache-");
});
afterAll(async () => {
  await fake?.close();
  await removeTempDirs();
});

async function run(spec: unknown, overrides: Partial<RunContext> = {}) {
  const test = await runContext({ workdir: await tempDir("co-agent-job-"), cacheDir, ...overrides });
  const outcome = await maskingSecrets(runAgent)(AgentSpec.parse(spec), test.ctx);
  const output = outcome.output === undefined ? null : AgentResult.parse(outcome.output);
  return { ...outcome, output, text: test.text, progress: test.progress };
}

const claude = claudeBinary();
if (!claude)
  console.warn("agent-runner.test.ts: the Claude Code binary is not installed: its tests are skipped");

describe.skipIf(!claude)("Claude Code (the real CLI)", { timeout: 60_000 }, () => {
  beforeAll(() => {
    process.env.ORCHESTRATOR_CLAUDE_BIN = claude ?? "";
  });

  it("edits the checkout and runs commands, then its changes are committed and pushed", async () => {
    const remote = await bareRepo(await tempDir("co-agent-remote-"), "app", 1);
    const workspaceCwd = path.join(cacheDir, "agent-workspaces", "proj-1", "checkout");
    fake = await startFakeAnthropic([
      {
        tool: {
          name: "Write",
          input: { file_path: path.join(workspaceCwd, "hello.js"), content: "console.log('hi');\n" },
        },
      },
      { tool: { name: "Bash", input: { command: "node hello.js > out.txt", description: "run it" } } },
      { text: "Added hello.js and ran it." },
    ]);
    const result = await run(
      {
        prompt: "Add hello.js that prints hi, and run it",
        workspace: "proj-1",
        baseUrl: fake.baseUrl,
        apiKeySecret: "ANTHROPIC_API_KEY",
        checkout: {
          url: remote.url,
          ref: "main",
          push: { branch: "agent/iteration-1", message: "Agent: hello.js", author },
        },
      },
      { secrets: { ANTHROPIC_API_KEY: CANARY_KEY } },
    );
    expect(result.status, result.error).toBe("succeeded");
    expect(result.output).toMatchObject({
      adapter: "claude-code",
      result: "Added hello.js and ran it.",
      isError: false,
      turns: 3,
      pushed: true,
      filesChanged: [
        { path: "hello.js", change: "added" },
        { path: "out.txt", change: "added" },
      ],
    });
    expect(result.output?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.output?.costUsd).toBeGreaterThan(0);
    // Each model turn was the job's progress while the agent ran (its stream, watched).
    expect(result.progress.map((p) => p.message)).toEqual([
      "claude-code: turn 1",
      "claude-code: turn 2",
      "claude-code: turn 3",
    ]);
    expect(result.output?.usage?.inputTokens).toBeGreaterThan(0);
    // The commit is on the remote, by the given author, with what the agent wrote.
    expect(revParse(remote.path, "agent/iteration-1")).toBe(result.output?.commit);
    expect(fixtureGit(remote.path, "log", "-1", "--format=%an <%ae>", "agent/iteration-1")).toBe(
      `${author.name} <${author.email}>`,
    );
    expect(fixtureGit(remote.path, "show", "agent/iteration-1:out.txt")).toBe("hi");
    // The key went to the model API, and nowhere else.
    expect(fake.requests.some((r) => r.headers["x-api-key"] === CANARY_KEY)).toBe(true);
    expect(result.text()).not.toContain(CANARY_KEY);
    expect(JSON.stringify(result.output)).not.toContain(CANARY_KEY);
  });

  it("--resume continues the same session in the same workspace", async () => {
    fake = await startFakeAnthropic([{ text: "first answer" }]);
    const key = { apiKeySecret: "ANTHROPIC_API_KEY" };
    const secrets = { secrets: { ANTHROPIC_API_KEY: CANARY_KEY } };
    const first = await run(
      { prompt: "Remember the word PAPAYA", workspace: "proj-2", baseUrl: fake.baseUrl, ...key },
      secrets,
    );
    expect(first.status, first.error).toBe("succeeded");
    const sessionId = first.output?.sessionId;
    fake.script.push({ text: "It was PAPAYA" });
    const before = fake.requests.length;
    const second = await run(
      {
        prompt: "Which word?",
        workspace: "proj-2",
        resumeSession: sessionId,
        baseUrl: fake.baseUrl,
        ...key,
      },
      secrets,
    );
    expect(second.status, second.error).toBe("succeeded");
    expect(second.output?.result).toBe("It was PAPAYA");
    expect(second.output?.sessionId).toBe(sessionId);
    // The model saw the earlier conversation: the first prompt travels in the resumed request.
    const resumed = fake.requests
      .slice(before)
      .filter((r) => r.url.startsWith("/v1/messages?") && r.body.includes("Which word?"));
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed.at(-1)?.body).toContain("Remember the word PAPAYA");
    expect(second.text("system")).toContain(`resuming session ${sessionId}`);
  });

  it("a job that resumed a session reports its own cost, not the session's total so far", async () => {
    // Every answer of the fake carries the same usage, so every model request costs the same.
    fake = await startFakeAnthropic([{ text: "noted" }]);
    const job = { workspace: "proj-costs", baseUrl: fake.baseUrl, apiKeySecret: "ANTHROPIC_API_KEY" };
    const secrets = { secrets: { ANTHROPIC_API_KEY: CANARY_KEY } };
    const requests = () => fake?.requests.filter((r) => r.url.startsWith("/v1/messages?")).length ?? 0;
    const first = await run({ prompt: "Remember the word FIG", ...job }, secrets);
    expect(first.status, first.error).toBe("succeeded");
    expect(requests()).toBe(1);
    const perRequest = first.output?.costUsd ?? 0;
    expect(perRequest).toBeGreaterThan(0);
    expect(first.output?.sessionCostUsd).toBe(perRequest);

    fake.script.push({ tool: { name: "Bash", input: { command: "true", description: "check" } } });
    fake.script.push({ text: "It was FIG" });
    const second = await run(
      { prompt: "Which word?", resumeSession: first.output?.sessionId, ...job },
      secrets,
    );
    expect(second.status, second.error).toBe("succeeded");
    expect(second.output?.sessionId).toBe(first.output?.sessionId);
    expect(requests()).toBe(3);
    // Its two requests, not the three the session made; the agent's own figure is the total.
    expect(second.output?.costUsd).toBeCloseTo(2 * perRequest, 9);
    expect(second.output?.sessionCostUsd).toBeCloseTo(3 * perRequest, 9);
    expect((first.output?.costUsd ?? 0) + (second.output?.costUsd ?? 0)).toBeCloseTo(
      second.output?.sessionCostUsd ?? 0,
      9,
    );
  });

  it("a session that is not in this workspace (another executor ran it) goes on as a new session", async () => {
    fake = await startFakeAnthropic([{ text: "started afresh" }]);
    const gone = "4b9f7c1e-0d55-4c1a-9a57-2f0e8c3b6d21";
    const result = await run(
      {
        prompt: "Fix the failing test",
        workspace: "proj-elsewhere",
        resumeSession: gone,
        baseUrl: fake.baseUrl,
        apiKeySecret: "ANTHROPIC_API_KEY",
      },
      { secrets: { ANTHROPIC_API_KEY: CANARY_KEY } },
    );
    expect(result.status, result.error).toBe("succeeded");
    expect(result.output?.result).toBe("started afresh");
    expect(result.output?.sessionId).not.toBe(gone);
    expect(result.text("system")).toContain(
      `session ${gone} is not in this workspace; starting a new session`,
    );
    expect(result.text("system")).toContain("claude-code: new session");
  });

  it("a model API error ends the job failed, with the agent's message", async () => {
    fake = await startFakeAnthropic([
      { error: { status: 403, type: "permission_error", message: "this key may not use the model" } },
    ]);
    const result = await run(
      { prompt: "anything", baseUrl: fake.baseUrl, maxTurns: 1, apiKeySecret: "ANTHROPIC_API_KEY" },
      { secrets: { ANTHROPIC_API_KEY: CANARY_KEY } },
    );
    expect(result.status).toBe("failed");
    expect(result.error).toMatch(/^the agent reported an error: .*this key may not use the model/);
    expect(result.output?.isError).toBe(true);
  });
});

describe("custom adapter", { timeout: 60_000 }, () => {
  it("speaks the JSON contract: request on stdin, result on stdout, session resumed", async () => {
    const first = await run(
      {
        adapter: "custom",
        command: [process.execPath, scriptedAgent],
        prompt: "write notes",
        workspace: "custom-1",
        apiKeySecret: "KEY",
      },
      { secrets: { KEY: CANARY_KEY } },
    );
    expect(first.status, first.error).toBe("succeeded");
    expect(first.output).toMatchObject({
      adapter: "custom",
      result: "done: write notes (api key given: yes)",
      costUsd: 0.01,
      turns: 1,
      usage: { inputTokens: 5, outputTokens: 7, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
      filesChanged: [{ path: "NOTES.md", change: "added" }],
      commit: null,
      pushed: false,
    });
    expect(first.text("stdout")).toContain("progress: wrote NOTES.md");
    const second = await run({
      adapter: "custom",
      command: [process.execPath, scriptedAgent],
      prompt: "more notes",
      workspace: "custom-1",
      resumeSession: first.output?.sessionId,
    });
    expect(second.output?.sessionId).toBe(first.output?.sessionId);
  });

  it("is given the MCP server: the orchestrator's own `/mcp` by default, its key in the environment only", async () => {
    const mcpKey = "co_mcp-canary-key-9d1f";
    const outcome = await run(
      {
        adapter: "custom",
        command: [process.execPath, scriptedAgent],
        prompt: "plan a service",
        mcp: { apiKeySecret: "MCP_KEY" },
      },
      { secrets: { MCP_KEY: mcpKey }, orchestratorUrl: "http://127.0.0.1:8787" },
    );
    expect(outcome.status, outcome.error).toBe("succeeded");
    expect(outcome.output?.result).toBe(
      "done: plan a service (api key given: no); mcp http://127.0.0.1:8787/mcp (key given: yes)",
    );
    expect(JSON.stringify(outcome) + outcome.text("stdout") + outcome.text("stderr")).not.toContain(mcpKey);
    // A spec's own `url` wins.
    const own = await run(
      {
        adapter: "custom",
        command: [process.execPath, scriptedAgent],
        prompt: "plan",
        mcp: { url: "http://127.0.0.1:9999/mcp", apiKeySecret: "MCP_KEY" },
      },
      { secrets: { MCP_KEY: mcpKey }, orchestratorUrl: "http://127.0.0.1:8787" },
    );
    expect(own.output?.result).toContain("mcp http://127.0.0.1:9999/mcp");
  });

  it("a broken contract, a missing command and a cancel each end clearly", async () => {
    const broken = await run({
      adapter: "custom",
      command: [process.execPath, scriptedAgent],
      prompt: "x",
      env: { AGENT_MODE: "broken" },
    });
    expect(broken.status).toBe("failed");
    expect(broken.error).toContain("breaks the contract: result");
    const missing = await run({ adapter: "custom", command: ["/nonexistent/agent"], prompt: "x" });
    expect(missing.error).toMatch(/could not start \/nonexistent\/agent/);
    const controller = new AbortController();
    const pending = run(
      {
        adapter: "custom",
        command: [process.execPath, scriptedAgent],
        prompt: "x",
        env: { AGENT_MODE: "slow" },
      },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 500);
    expect((await pending).status).toBe("cancelled");
  });

  it("one job at a time per workspace; a missing key secret fails before anything runs", async () => {
    const slow = run(
      {
        adapter: "custom",
        command: [process.execPath, scriptedAgent],
        prompt: "x",
        workspace: "busy",
        env: { AGENT_MODE: "slow" },
      },
      { deadlineAt: Date.now() + 2_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await run({
      adapter: "custom",
      command: [process.execPath, scriptedAgent],
      prompt: "y",
      workspace: "busy",
    });
    expect(second.error).toContain("another agent job is using this workspace");
    expect((await slow).status).toBe("timed_out");
    const noKey = await run({
      adapter: "custom",
      command: [process.execPath, scriptedAgent],
      prompt: "x",
      apiKeySecret: "NOPE",
    });
    expect(noKey.error).toBe("the job has no secret named NOPE");
  });
});

describe("Droid adapter", { timeout: 60_000 }, () => {
  it("runs `droid exec -o json --auto high` with the prompt in a private file, the key in FACTORY_API_KEY", async () => {
    // Factory's CLI cannot be installed here; a stand-in on PATH records how it is called and
    // answers in Droid's JSON result format.
    const bin = await tempDir("co-droid-bin-");
    const record = path.join(bin, "calls.json");
    await writeFile(
      path.join(bin, "droid"),
      `#!/bin/sh\nnode -e 'const fs=require("fs");const a=process.argv.slice(1);const f=a[a.indexOf("-f")+1];const m=process.env.HOME+"/.factory/mcp.json";fs.writeFileSync(${JSON.stringify(record)},JSON.stringify({argv:a,prompt:fs.readFileSync(f,"utf8"),key:process.env.FACTORY_API_KEY,mcpKey:process.env.ORCHESTRATOR_MCP_KEY,mcp:fs.existsSync(m)?{text:fs.readFileSync(m,"utf8"),mode:fs.statSync(m).mode&0o777}:null}))' -- "$@"\necho '{"type":"result","subtype":"success","is_error":false,"num_turns":2,"result":"droid done","session_id":"droid-s1"}'\n`,
    );
    await chmod(path.join(bin, "droid"), 0o755);
    const previous = process.env.PATH;
    process.env.PATH = `${bin}:${previous}`;
    try {
      const result = await run(
        {
          adapter: "droid",
          prompt: "fix the bug",
          resumeSession: "droid-s0",
          workspace: "droid-1",
          apiKeySecret: "FACTORY",
        },
        { secrets: { FACTORY: CANARY_KEY } },
      );
      expect(result.status, result.error).toBe("succeeded");
      expect(result.output).toMatchObject({
        adapter: "droid",
        result: "droid done",
        sessionId: "droid-s1",
        turns: 2,
      });
      const call = JSON.parse(await readFile(record, "utf8"));
      expect(call.argv.slice(0, 5)).toEqual(["exec", "-o", "json", "--auto", "high"]);
      expect(call.argv).toContain("-s");
      expect(call.argv).not.toContain("fix the bug");
      expect(call.prompt).toBe("fix the bug");
      expect(call.key).toBe(CANARY_KEY);
      expect(call.mcp).toBeNull();

      // With `mcp`: Droid's user configuration names the server and the key's variable, not the key.
      const mcpKey = "co_droid-mcp-canary-41c2";
      const withMcp = await run(
        { adapter: "droid", prompt: "plan", workspace: "droid-1", mcp: { apiKeySecret: "MCP" } },
        { secrets: { MCP: mcpKey }, orchestratorUrl: "http://127.0.0.1:8787" },
      );
      expect(withMcp.status, withMcp.error).toBe("succeeded");
      const mcpCall = JSON.parse(await readFile(record, "utf8"));
      expect(mcpCall.mcpKey).toBe(mcpKey);
      expect(mcpCall.mcp.mode).toBe(0o600);
      expect(JSON.parse(mcpCall.mcp.text)).toEqual({
        mcpServers: {
          orchestrator: {
            type: "http",
            url: "http://127.0.0.1:8787/mcp",
            // biome-ignore lint/suspicious/noTemplateCurlyInString: Droid's own variable syntax
            headers: { Authorization: "Bearer ${ORCHESTRATOR_MCP_KEY}" },
          },
        },
      });
      expect(mcpCall.mcp.text).not.toContain(mcpKey);
    } finally {
      process.env.PATH = previous;
    }
  });
});
