#!/usr/bin/env node
// A Product-Owner of its own, for PO_ENGINE=cli with PO_CLI_ADAPTER=custom: it speaks the custom
// agent contract (the request on stdin, the result on stdout) and uses the orchestrator's MCP
// server it is given (`mcp.url`, its key in ORCHESTRATOR_MCP_KEY) with the official SDK's client.
// A first message makes it ask which stack, with buttons; an answer is acknowledged.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const request = JSON.parse(input);
const client = new Client({ name: "custom-po", version: "1.0.0" });
await client.connect(
  new StreamableHTTPClientTransport(new URL(request.mcp.url), {
    requestInit: { headers: { authorization: `Bearer ${process.env.ORCHESTRATOR_MCP_KEY}` } },
  }),
);
const me = (await client.callTool({ name: "get_me", arguments: {} })).structuredContent;
let result;
if (request.prompt.includes("answered your question")) {
  result = `Noted, ${me.name}: ${request.prompt.split("\n").at(-1)}.`;
} else {
  const asked = await client.callTool({
    name: "ask_chat_question",
    arguments: { body: { question: "Which stack should it use?", options: ["Node", "Python"] } },
  });
  if (asked.isError) throw new Error(JSON.stringify(asked.content));
  result = `Hello ${me.name}, one question first.`;
}
await client.close();
console.log(
  JSON.stringify({ result, sessionId: request.sessionId ?? `custom-po-${process.pid}`, costUsd: 0.002 }),
);
