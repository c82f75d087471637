/**
 * MCP tool call overhead (issue 24's target, printed, never asserted): `tools/call get_project`
 * through `/mcp` against the same read through `/api/v1/projects/{id}`, the same member's key,
 * alternating one of each so both see the same machine. Target: p99 of the tool call ≤ 1.5× the
 * API's.
 *
 * The tool call is one HTTP request (the MCP server is stateless: no session to set up), the way
 * Claude Code and the SDK client send it after `initialize`.
 *
 *   npm run bench:mcp                  (BENCH_ROUNDS=400 of each by default)
 */
import { availableParallelism, loadavg } from "node:os";
import { Fleet } from "../test/support/fleet.ts";
import { percentile, spread, verdict } from "./console/stats.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 400);
const WARMUP = 30;
const TARGET = 1.5;

async function timed(send: () => Promise<Response>): Promise<number> {
  const start = performance.now();
  const response = await send();
  const body = await response.text();
  const elapsed = performance.now() - start;
  if (!response.ok || body.includes('"isError":true'))
    throw new Error(`HTTP ${response.status}: ${body.slice(0, 300)}`);
  return elapsed;
}

async function main(): Promise<void> {
  const fleet = await Fleet.start();
  try {
    const user = await fleet.call("/users", { name: "bench", role: "member" });
    const { key } = await fleet.call("/api-keys", {
      name: "bench",
      userId: user.id,
      scopes: ["read", "write"],
    });
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const project = (await (
      await fetch(`${fleet.worker.api}/projects`, {
        method: "POST",
        headers,
        body: JSON.stringify({ name: "bench" }),
      })
    ).json()) as { id: string };
    const api = () => fetch(`${fleet.worker.api}/projects/${project.id}`, { headers });
    let id = 0;
    const tool = () =>
      fetch(`${fleet.worker.origin}/mcp`, {
        method: "POST",
        headers: {
          ...headers,
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2025-06-18",
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: ++id,
          method: "tools/call",
          params: { name: "get_project", arguments: { id: project.id } },
        }),
      });
    for (let i = 0; i < WARMUP; i++) await Promise.all([timed(api), timed(tool)].map((p) => p.catch(fail)));
    const apiTimes: number[] = [];
    const toolTimes: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate which goes first, so neither always meets a warm or a cold moment.
      if (i % 2 === 0) {
        apiTimes.push(await timed(api));
        toolTimes.push(await timed(tool));
      } else {
        toolTimes.push(await timed(tool));
        apiTimes.push(await timed(api));
      }
    }
    console.log(`MCP tool call vs the API: ${ROUNDS} reads of each, alternating (after ${WARMUP} warm-up)`);
    console.log(`machine: ${availableParallelism()} CPUs, load ${loadavg()[0]?.toFixed(2)}\n`);
    console.log(
      "GET /api/v1/projects/{id}".padEnd(30),
      spread(apiTimes),
      `p99 ${percentile(apiTimes, 99).toFixed(1)} ms`,
    );
    console.log(
      "tools/call get_project".padEnd(30),
      spread(toolTimes),
      `p99 ${percentile(toolTimes, 99).toFixed(1)} ms`,
    );
    const ratio = (p: number) => percentile(toolTimes, p) / percentile(apiTimes, p);
    console.log(
      `\nratio tool/API: p50 ${ratio(50).toFixed(2)}×, p99 ${ratio(99).toFixed(2)}× (target p99 ≤ ${TARGET}×: ${verdict(ratio(99), TARGET)})`,
    );
  } finally {
    await fleet.stop();
  }
}

function fail(error: unknown): never {
  throw error;
}

await main();
