/**
 * `/mcp` in workerd, driven by the official MCP client SDK: the tools are the API's operations,
 * each call is the API request it stands for (its rules, its audit), and a key sees what it may.
 */
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import { ADMIN_KEY, call, createUser, unique } from "./helpers.ts";

const open: Client[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
});

async function connect(key: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL("http://api.test/mcp"), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
    fetch: (input, init) => exports.default.fetch(new Request(input, init)),
  });
  const client = new Client({ name: "mcp-test", version: "1.0.0" });
  await client.connect(transport);
  open.push(client);
  return client;
}

/** A tool's result: its JSON (structured content), or its error text. */
async function tool(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { type: string; text: string }[]).map((part) => part.text).join("");
  return { isError: result.isError === true, text, json: result.structuredContent as any };
}

describe("MCP server", () => {
  it("lists one tool per API operation (streams aside), named, described and typed from the document", async () => {
    const document = await (await call("/openapi.json", { key: null })).json<any>();
    const operations = Object.values<Record<string, any>>(document.paths).flatMap((item) =>
      Object.values<any>(item).filter(
        (operation) =>
          !("101" in operation.responses) &&
          !("text/event-stream" in (operation.responses[200]?.content ?? {})),
      ),
    );
    const client = await connect(ADMIN_KEY);
    const { tools } = await client.listTools();
    expect(tools.map((listed) => listed.name).sort()).toEqual(operations.map((op) => op.operationId).sort());
    expect(tools.length).toBeGreaterThanOrEqual(70);
    // The streams are the three that cannot be one call: WebSockets and an event stream.
    const names = new Set(tools.map((listed) => listed.name));
    for (const stream of ["connect_executor", "chat_live", "follow_job_log"])
      expect(names.has(stream)).toBe(false);

    const createProject = tools.find((listed) => listed.name === "create_project");
    expect(createProject?.description).toContain("Create a project");
    expect(createProject?.inputSchema).toMatchObject({ type: "object", required: ["body"] });
    expect(JSON.stringify(createProject?.inputSchema)).toContain('"name"');
    const submitJob = tools.find((listed) => listed.name === "submit_job");
    // The job kinds' specs travel with the tool, self-contained ($defs, no dangling refs).
    const schema = JSON.stringify(submitJob?.inputSchema);
    expect(schema).toContain("#/$defs/SubmitJobAgent");
    const defs = (submitJob?.inputSchema as { $defs?: object } | undefined)?.$defs ?? {};
    for (const ref of schema.matchAll(/"#\/\$defs\/([^"]+)"/g)) expect(defs).toHaveProperty(ref[1] as string);
    expect(schema).not.toContain("#/components/");
    expect(tools.find((listed) => listed.name === "get_project")?.annotations).toMatchObject({
      readOnlyHint: true,
    });
    expect(tools.find((listed) => listed.name === "delete_project")?.annotations).toMatchObject({
      destructiveHint: true,
    });
  });

  it("creates a project, stores a secret write-only, starts a run and waits for it, as the member", async () => {
    const member = await createUser();
    const client = await connect(member.key);
    const name = unique("Mcp");
    const created = await tool(client, "create_project", {
      body: { name, description: "A to-do API", repoUrl: "https://git.example.test/mcp.git" },
    });
    expect(created.isError, created.text).toBe(false);
    expect(created.json).toMatchObject({ name, ownerId: member.id });
    const projectId = created.json.id as string;

    const canary = `canary-${crypto.randomUUID()}`;
    const set = await tool(client, "set_secret", {
      id: projectId,
      name: "API_TOKEN",
      body: { value: canary },
    });
    expect(set.isError, set.text).toBe(false);
    const listed = await tool(client, "list_secrets", { id: projectId });
    expect(listed.json.items.map((secret: { name: string }) => secret.name)).toEqual(["API_TOKEN"]);
    for (const result of [set, listed]) expect(JSON.stringify(result)).not.toContain(canary);

    // A run starts at once; without a model its Architect ends it, and get_run's wait sees that.
    const run = await tool(client, "start_run", { id: projectId, body: { kind: "engineering" } });
    expect(run.json).toMatchObject({ projectId, kind: "engineering" });
    let read = await tool(client, "get_run", { id: run.json.id, waitSeconds: 20, unlessStatus: "queued" });
    if (read.json.status === "running")
      read = await tool(client, "get_run", { id: run.json.id, waitSeconds: 20, unlessStatus: "running" });
    expect(read.json).toMatchObject({ id: run.json.id, status: "failed" });
    expect(read.json.error).toContain("set ANTHROPIC_API_KEY");

    // Changes are the API's: audited as the member's, like any request with their key.
    const audit = await env.DB.prepare(
      "select action, actor_id as actorId from audit_log where target_id = ? order by id",
    )
      .bind(projectId)
      .all<{ action: string; actorId: string }>();
    expect(audit.results).toEqual(expect.arrayContaining([{ action: "project.create", actorId: member.id }]));

    // Resources: the API's document, and the project's spec (none yet).
    const openapi = await client.readResource({ uri: "orchestrator://openapi.json" });
    expect(JSON.parse((openapi.contents[0] as { text: string }).text).openapi).toBe("3.1.0");
    const spec = await client.readResource({ uri: `orchestrator://projects/${projectId}/spec` });
    expect((spec.contents[0] as { text: string }).text).toBe("null");
  });

  it("shows a member only what the member may: another's project is not found, admin tools are refused", async () => {
    const owner = await createUser();
    const stranger = await createUser();
    const ownerClient = await connect(owner.key);
    const project = await tool(ownerClient, "create_project", { body: { name: unique("Private") } });
    const strangerClient = await connect(stranger.key);
    const peek = await tool(strangerClient, "get_project", { id: project.json.id });
    expect(peek).toMatchObject({ isError: true });
    expect(peek.text).toContain("HTTP 404");
    expect(peek.text).toContain('"code":"not_found"');
    const mine = await tool(strangerClient, "list_projects");
    expect(mine.json.items).toEqual([]);
    const users = await tool(strangerClient, "list_users");
    expect(users.text).toContain("HTTP 403");
    // Bad arguments get the API's own answer, naming the field.
    const bad = await tool(ownerClient, "create_project", { body: { name: "" } });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain("body.name");
    await expect(
      strangerClient.readResource({ uri: `orchestrator://projects/${project.json.id}/spec` }),
    ).rejects.toThrow(/404/);
  });

  it("refuses a bad key, a revoked key and a read-only key's writes", async () => {
    for (const key of ["not-a-real-key-at-all", ""]) {
      const response = await exports.default.fetch(
        new Request("http://api.test/mcp", {
          method: "POST",
          headers: {
            authorization: `Bearer ${key}`,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
        }),
      );
      expect(response.status).toBe(401);
      expect(await response.json<any>()).toMatchObject({ error: { code: "unauthorized" } });
    }
    await expect(connect("wrong-key-wrong-key-wrong-key")).rejects.toThrow();

    const reader = await createUser("member", ["read"]);
    const client = await connect(reader.key);
    expect((await tool(client, "list_projects")).isError).toBe(false);
    const write = await tool(client, "create_project", { body: { name: unique("Nope") } });
    expect(write.text).toContain("HTTP 403");
    expect(write.text).toContain("`write` scope");
  });

  it("answers malformed MCP input with a protocol error, never a crash", async () => {
    const post = (body: string) =>
      exports.default.fetch(
        new Request("http://api.test/mcp", {
          method: "POST",
          headers: {
            authorization: `Bearer ${ADMIN_KEY}`,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            "mcp-protocol-version": "2025-06-18",
          },
          body,
        }),
      );
    for (const body of ["not json", "[]", JSON.stringify({ jsonrpc: "2.0", id: 1, method: 42 })]) {
      const response = await post(body);
      expect(response.status, body).toBeGreaterThanOrEqual(400);
      expect(response.status, body).toBeLessThan(500);
      expect(await response.text()).toContain("jsonrpc");
    }
    const unknown = await post(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "no_such_tool", arguments: {} },
      }),
    );
    expect(unknown.status).toBeLessThan(500);
    expect(await unknown.text()).toMatch(/no_such_tool/);
    // The server still serves the next request.
    const client = await connect(ADMIN_KEY);
    expect((await tool(client, "get_me")).json).toMatchObject({ role: "admin" });
  });
});
