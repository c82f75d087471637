#!/usr/bin/env node
// A small agent that speaks the custom adapter's JSON contract: it reads the request on stdin,
// "works" (writes NOTES.md in the workdir, appending to it when resuming), and prints its result.
// With AGENT_MODE=broken it breaks the contract; with AGENT_MODE=slow it sleeps. With
// AGENT_MODE=hold it says where and as whom it runs (and, on stderr, the key it was given), then
// waits for a file named `release` in its HOME before it answers. Given an MCP server (`mcp`), it
// names the endpoint and whether its key came.
import { appendFileSync, existsSync } from "node:fs";
import path from "node:path";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const request = JSON.parse(input);
const mode = process.env.AGENT_MODE ?? "";
if (mode === "slow") await new Promise((resolve) => setTimeout(resolve, 60_000));
if (mode === "broken") {
  console.log(JSON.stringify({ answer: "no result field" }));
  process.exit(0);
}
const sessionId = request.sessionId ?? `session-${process.pid}`;
appendFileSync(path.join(request.workdir, "NOTES.md"), `${request.prompt}\n`);
console.log("progress: wrote NOTES.md");
if (mode === "hold") {
  console.log(`holding in ${process.cwd()} as ${process.getuid()}:${process.getgid()}`);
  console.error(`given key ${process.env.AGENT_API_KEY}`);
  while (!existsSync(path.join(process.env.HOME, "release")))
    await new Promise((resolve) => setTimeout(resolve, 50));
}
const given = (value) => (value ? "yes" : "no");
const mcp = request.mcp
  ? `; mcp ${request.mcp.url} (key given: ${given(process.env.ORCHESTRATOR_MCP_KEY)})`
  : "";
console.log(
  JSON.stringify({
    result: `done: ${request.prompt} (api key given: ${given(process.env.AGENT_API_KEY)})${mcp}`,
    sessionId,
    costUsd: 0.01,
    turns: 1,
    usage: { inputTokens: 5, outputTokens: 7 },
  }),
);
