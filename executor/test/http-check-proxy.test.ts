/**
 * `http_check` behind a server's HTTPS proxy: the URL names the site (`https://shop.apps.test`),
 * `connectTo` the server's address, so the check needs no DNS for the name and still sends it by
 * SNI and Host; `verifyTls: false` accepts a certificate no system CA signed (a proxy's internal
 * CA), which a verified check refuses. The result names the certificate (subject, issuer, expiry,
 * whether it is trusted).
 */
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import { HttpCheckResult, HttpCheckSpec } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHttpCheck } from "../src/kinds/http/check-runner.ts";
import { removeTempDirs, tempDir } from "./support/git-fixtures.ts";
import { runContext } from "./support/run-context.ts";

const NAME = "shop.apps.test";
let server: Server;
let port: number;

beforeAll(async () => {
  const dir = await tempDir("co-tls-");
  const [key, cert] = [path.join(dir, "key.pem"), path.join(dir, "cert.pem")];
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      `/CN=${NAME}`,
      "-addext",
      `subjectAltName=DNS:${NAME}`,
    ],
    { stdio: "ignore" },
  );
  server = createServer({ key: await readFile(key), cert: await readFile(cert) }, (req, res) => {
    const sni = (req.socket as TLSSocket).servername;
    res.writeHead(req.url === "/health" ? 200 : 404).end(`${sni} ${req.headers.host}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await removeTempDirs();
});

async function check(spec: Record<string, unknown>) {
  const test = await runContext({});
  const outcome = await runHttpCheck(HttpCheckSpec.parse({ timeoutMs: 3000, ...spec }), test.ctx);
  return outcome.output ? HttpCheckResult.parse(outcome.output) : null;
}

describe("http_check through a proxy", () => {
  it("connects to the server's address with the site's name, verifying its certificate unless told not to", async () => {
    const url = `https://${NAME}:${port}/health`;
    const answered = await check({ url, connectTo: "127.0.0.1", verifyTls: false });
    expect(answered).toMatchObject({
      status: 200,
      error: null,
      excerpt: `${NAME} ${NAME}:${port}`,
    });
    // The certificate it was answered with: a day's validity, signed by no CA the executor trusts.
    expect(answered?.certificate).toMatchObject({ subject: NAME, issuer: NAME, trusted: false });
    const left = Date.parse(answered?.certificate?.validTo ?? "") - Date.now();
    expect(left).toBeGreaterThan(23 * 3600_000);
    expect(left).toBeLessThan(25 * 3600_000);
    // Verified, a self-signed certificate is no answer; unrouted, the test name does not resolve.
    const verified = await check({ url, connectTo: "127.0.0.1" });
    expect(verified).toMatchObject({ status: null });
    expect(verified?.error).toMatch(/self.signed|certificate/i);
    expect(await check({ url })).toMatchObject({ status: null });
  });

  it("refuses a connectTo that is not a host name or an address", () => {
    expect(HttpCheckSpec.safeParse({ url: "https://a.test/", connectTo: "a b" }).success).toBe(false);
  });
});
