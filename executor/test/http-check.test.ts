/**
 * The `http_check` kind: one GET by the daemon, whatever comes back a result (status, excerpt,
 * latency), no answer said in words (refused, timed out), redirects not followed, control
 * characters dropped from the excerpt, and a cancelled check cancelled.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HTTP_CHECK_EXCERPT_CHARS, HttpCheckResult, HttpCheckSpec } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHttpCheck } from "../src/kinds/http/check-runner.ts";
import { runContext } from "./support/run-context.ts";
import { freePort } from "./support/sshd.ts";

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/health") return res.writeHead(200).end('{"status":"ok"}');
    if (req.url === "/broken") return res.writeHead(503).end(`down\x1b[31m\x07 ${"x".repeat(2000)}`);
    if (req.url === "/moved") return res.writeHead(302, { location: "/health" }).end();
    // /slow never answers.
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

async function check(url: string, timeoutMs = 2000, signal?: AbortSignal) {
  const test = await runContext(signal ? { signal } : {});
  const outcome = await runHttpCheck(HttpCheckSpec.parse({ url, timeoutMs }), test.ctx);
  return {
    ...outcome,
    result: outcome.output ? HttpCheckResult.parse(outcome.output) : null,
    log: test.text(),
  };
}

describe("http_check", () => {
  it("reports a healthy answer with its status, body and latency", async () => {
    const ok = await check(`${base}/health`);
    expect(ok.status).toBe("succeeded");
    expect(ok.result).toMatchObject({ status: 200, error: null, excerpt: '{"status":"ok"}' });
    expect(ok.result?.latencyMs).toBeGreaterThan(0);
    expect(ok.log).toBe("");
  });

  it("a failing answer is a result too: status kept, excerpt bounded and without control characters", async () => {
    const broken = await check(`${base}/broken`);
    expect(broken.status).toBe("succeeded");
    expect(broken.result?.status).toBe(503);
    expect(broken.result?.excerpt.startsWith("down[31m ")).toBe(true);
    expect(broken.result?.excerpt.length).toBe(HTTP_CHECK_EXCERPT_CHARS);
  });

  it("does not follow a redirect", async () => {
    expect((await check(`${base}/moved`)).result?.status).toBe(302);
  });

  it("says why nothing answered: refused, or not within the timeout", async () => {
    const refused = await check(`http://127.0.0.1:${await freePort()}/health`);
    expect(refused.status).toBe("succeeded");
    expect(refused.result).toMatchObject({ status: null, error: "ECONNREFUSED", excerpt: "" });
    const slow = await check(`${base}/slow`, 300);
    expect(slow.result).toMatchObject({ status: null, error: "no answer within 300 ms" });
  });

  it("a cancelled check is cancelled, not a failure of the service", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const cancelled = await check(`${base}/slow`, 5000, controller.signal);
    expect(cancelled.status).toBe("cancelled");
  });
});
