/**
 * `/mcp` over real HTTP (wrangler dev on 127.0.0.1) with the clients people use: the official MCP
 * SDK client, and the real Claude Code CLI (its model a scripted loopback Messages API) creating a
 * project and starting its run through the tools, as the seed system's Product-Owner did. A secret
 * set through a tool shows up in no result and no Worker output.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claudeBinary,
  type FakeAnthropic,
  type MessagesRequest,
  startFakeAnthropic,
  toolResults,
} from "../executor/test/support/fake-anthropic.ts";
import { Fleet } from "./support/fleet.ts";
import { memberApi } from "./support/member.ts";
import { runCommand } from "./support/processes.ts";

const claude = claudeBinary();
const MCPDO = path.resolve(import.meta.dirname, "../node_modules/.bin/mcpdo");
/** A job's final statuses (it is queued, assigned or running before). */
const JOB_ENDED = ["succeeded", "failed", "cancelled", "timed_out", "lost"];
let fleet: Fleet;
let dir: string;

/** A new member and their key, made by the admin. */
async function member(name: string): Promise<{ id: string; key: string }> {
  const user = await fleet.call("/users", { name, role: "member" });
  const { key } = await fleet.call("/api-keys", { name: "mcp", userId: user.id, scopes: ["read", "write"] });
  return { id: user.id, key };
}

async function connect(key: string): Promise<Client> {
  const client = new Client({ name: "mcp-http-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${fleet.worker.origin}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  return client;
}

const textOf = (result: { content: unknown }) =>
  (result.content as { text?: string }[]).map((part) => part.text ?? "").join("");

beforeAll(async () => {
  fleet = await Fleet.start({}, undefined, "pipe");
  dir = await mkdtemp(path.join(tmpdir(), "co-mcp-"));
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the MCP server over HTTP", () => {
  it("serves the official SDK client: every operation, a member's own projects, write-only secrets", async () => {
    const ada = await member("ada");
    const client = await connect(ada.key);
    const document = (await (await fetch(`${fleet.worker.api}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, any>>;
    };
    const operationIds = Object.values<Record<string, any>>(document.paths)
      .flatMap((item) => Object.values<any>(item))
      .filter(
        (op) => !("101" in op.responses) && !("text/event-stream" in (op.responses[200]?.content ?? {})),
      )
      .map((op) => op.operationId as string);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(operationIds.sort());

    const created = await client.callTool({
      name: "create_project",
      arguments: { body: { name: "mcp-notes" } },
    });
    expect(created.isError, textOf(created)).toBeFalsy();
    const project = created.structuredContent as { id: string; ownerId: string };
    expect(project.ownerId).toBe(ada.id);

    const canary = `mcp-canary-${crypto.randomUUID()}`;
    const set = await client.callTool({
      name: "set_secret",
      arguments: { id: project.id, name: "STRIPE_KEY", body: { value: canary } },
    });
    expect(set.isError, textOf(set)).toBeFalsy();
    const secrets = await client.callTool({ name: "list_secrets", arguments: { id: project.id } });
    expect(JSON.stringify([set, secrets])).not.toContain(canary);
    expect(textOf(secrets)).toContain("STRIPE_KEY");

    const started = await client.callTool({
      name: "start_run",
      arguments: { id: project.id, body: { kind: "engineering" } },
    });
    const run = started.structuredContent as { id: string; status: string };
    expect(run.status).toBe("queued");
    const read = await client.callTool({ name: "get_run", arguments: { id: run.id } });
    expect(read.structuredContent).toMatchObject({ id: run.id, projectId: project.id });

    // Another member's session cannot see it; a bad key does not get a session.
    const grace = await connect((await member("grace")).key);
    const peek = await grace.callTool({ name: "get_project", arguments: { id: project.id } });
    expect(peek.isError).toBe(true);
    expect(textOf(peek)).toContain("HTTP 404");
    await expect(connect("co_not_a_key_of_anyone_at_all")).rejects.toThrow();
    const refused = await fetch(`${fleet.worker.origin}/mcp`, {
      method: "POST",
      headers: { authorization: "Bearer nope", "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(refused.status).toBe(401);
    await Promise.all([client.close(), grace.close()]);
    // The value went in through a tool call's arguments and is nowhere in what the Worker printed.
    expect(fleet.worker.output()).not.toContain(canary);
  }, 60_000);

  it("serves the MCP Inspector's command line (mcpdo): connect, list the tools, call one", async () => {
    const grace = await member("inspector-user");
    const home = path.join(dir, "inspector-home");
    // The key in a 0600 config file, not on mcpdo's command line.
    const config = path.join(dir, "inspector.json");
    await writeMcpConfig(config, `Bearer ${grace.key}`);
    // Its daemon's socket and files under the test's own directory (TMPDIR), removed with it.
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: home,
      TMPDIR: dir,
      MCP_INSPECTOR_SECRET_STORE: "memory",
    };
    const mcpdo = (...args: string[]) => runCommand(MCPDO, args, { env, timeout: 60_000 });
    // A private daemon of its own (mcpdo keeps connections in one), stopped at the end.
    for (const line of (await mcpdo("private")).stdout.split("\n")) {
      const exported = /^export (\w+)='([^']*)'/.exec(line.trim());
      if (exported) env[exported[1] as string] = exported[2] as string;
    }
    expect(env.MCP_INSPECTOR_DAEMON_TOKEN).toBeTruthy();
    try {
      const connected = await mcpdo("--config", config, "connect", "--server", "orchestrator");
      expect(connected.code, connected.stderr).toBe(0);
      const listed = await mcpdo("--format", "json", "--connection", "orchestrator", "tools/list");
      expect(listed.code, listed.stderr).toBe(0);
      const names = (JSON.parse(listed.stdout) as { tools: { name: string }[] }).tools.map(
        (tool) => tool.name,
      );
      expect(names).toEqual(expect.arrayContaining(["create_project", "start_run", "get_run", "set_secret"]));
      const me = await mcpdo("--format", "json", "--connection", "orchestrator", "tools/call", "get_me");
      expect(JSON.parse(me.stdout).structuredContent).toMatchObject({ id: grace.id, role: "member" });
      expect((await mcpdo("disconnect", "orchestrator")).code).toBe(0);
    } finally {
      await mcpdo("daemon", "stop");
    }
  }, 120_000);

  it.skipIf(!claude)(
    "lets Claude Code create a project and start its run through the tools",
    async () => {
      const linus = await member("linus");
      // The scripted model: create the project, then start a run of the id the tool returned.
      let model: FakeAnthropic | undefined;
      const respond = (request: MessagesRequest) => {
        const results = toolResults(request.messages);
        if (results.length === 0)
          return {
            tool: { name: "mcp__orchestrator__create_project", input: { body: { name: "cli-po-notes" } } },
          };
        if (results.length === 1) {
          const project = JSON.parse(results[0] as string) as { id: string };
          return {
            tool: {
              name: "mcp__orchestrator__start_run",
              input: { id: project.id, body: { kind: "engineering" } },
            },
          };
        }
        return { text: "Created cli-po-notes and started its engineering run." };
      };
      model = await startFakeAnthropic(respond);
      try {
        // The key reaches Claude Code through its environment; the config names the variable.
        const config = path.join(dir, "mcp.json");
        // Claude Code expands the variable itself: the key stays out of the file and argv.
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Claude Code's own syntax, not a JS template
        await writeMcpConfig(config, "Bearer ${ORCHESTRATOR_API_KEY}");
        const result = await runClaude(
          [
            "-p",
            "Create a project named cli-po-notes and start its engineering run.",
            "--output-format",
            "json",
            "--mcp-config",
            config,
            "--strict-mcp-config",
            "--permission-mode",
            "acceptEdits",
            "--allowedTools",
            "mcp__orchestrator__create_project,mcp__orchestrator__start_run",
          ],
          {
            ANTHROPIC_BASE_URL: model.baseUrl,
            ANTHROPIC_API_KEY: "sk-test",
            ORCHESTRATOR_API_KEY: linus.key,
          },
        );
        expect(result.code, result.stderr).toBe(0);
        expect(JSON.parse(result.stdout)).toMatchObject({ is_error: false });

        const as = memberApi(fleet.worker.api, linus.key);
        const projects = (await as("/projects")).body.items as { id: string; name: string }[];
        expect(projects.map((project) => project.name)).toEqual(["cli-po-notes"]);
        const runs = (await as(`/projects/${projects[0]?.id}/runs`)).body.items;
        expect(runs).toHaveLength(1);
        expect(runs[0]).toMatchObject({ kind: "engineering" });
        // Claude Code was offered the API's operations under their MCP names (loaded, or listed
        // for its tool search), and called the two the script chose.
        const conversation = model.requests.map((request) => request.body).join("\n");
        for (const name of ["get_run", "set_secret", "list_projects"])
          expect(conversation).toContain(`mcp__orchestrator__${name}`);
        expect(
          model.requests.filter((request) => request.body.includes('"tool_result"')).length,
        ).toBeGreaterThan(0);
        // Its key was never on a command line.
        expect(JSON.stringify(model.requests)).not.toContain(linus.key);
      } finally {
        await model?.close();
      }
    },
    120_000,
  );

  it.skipIf(!claude)(
    "gives an agent job the API as MCP tools, as the holder of the key its spec names",
    async () => {
      process.env.ORCHESTRATOR_CLAUDE_BIN = claude ?? "";
      await fleet.executor(1, {});
      const hopper = await member("hopper");
      const model = await startFakeAnthropic((request: MessagesRequest) =>
        toolResults(request.messages).length === 0
          ? { tool: { name: "mcp__orchestrator__create_project", input: { body: { name: "agent-made" } } } }
          : { text: "Made it." },
      );
      try {
        // The keys travel as job secrets (references to a project's secrets), never in the spec.
        const vault = await fleet.call("/projects", { name: "agent-vault" });
        await fleet.call(`/projects/${vault.id}/secrets/MODEL_KEY`, { value: "sk-test-model" }, "PUT");
        await fleet.call(`/projects/${vault.id}/secrets/MEMBER_KEY`, { value: hopper.key }, "PUT");
        const job = await fleet.call("/jobs", {
          kind: "agent",
          spec: {
            prompt: "Create a project named agent-made.",
            apiKeySecret: "MODEL_KEY",
            baseUrl: model.baseUrl,
            allowedTools: ["Read"],
            mcp: { url: `${fleet.worker.origin}/mcp`, apiKeySecret: "ORCHESTRATOR_KEY" },
          },
          secrets: {
            MODEL_KEY: { projectId: vault.id, name: "MODEL_KEY" },
            ORCHESTRATOR_KEY: { projectId: vault.id, name: "MEMBER_KEY" },
          },
        });
        const done = await fleet.waitFor(job.id, (found) => JOB_ENDED.includes(found.status), 90_000);
        expect(done, done.error ?? "").toMatchObject({ status: "succeeded" });
        // The project is the member's: the agent's session acted as the key's holder.
        const theirs = (await memberApi(fleet.worker.api, hopper.key)("/projects")).body.items;
        expect(theirs.map((project: { name: string }) => project.name)).toEqual(["agent-made"]);
        // The key is in no spec, result or log.
        const everything = JSON.stringify(done) + (await fleet.log(job.id));
        expect(everything).not.toContain(hopper.key);
        expect(JSON.stringify(model.requests)).not.toContain(hopper.key);
      } finally {
        await model.close();
      }
    },
    120_000,
  );
});

/** An MCP client's configuration (0600) naming the Worker's `/mcp` with this Authorization header. */
function writeMcpConfig(file: string, authorization: string): Promise<void> {
  const server = {
    type: "http",
    url: `${fleet.worker.origin}/mcp`,
    headers: { Authorization: authorization },
  };
  return writeFile(file, JSON.stringify({ mcpServers: { orchestrator: server } }), { mode: 0o600 });
}

/** Claude Code, its output and exit status (the fake model answers it from this process). */
const runClaude = (args: string[], env: Record<string, string>) =>
  runCommand(claude as string, args, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
    timeout: 90_000,
  });
