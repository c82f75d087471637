/**
 * What tests need of a server's Caddy (ansible/roles/proxy): whether it is installed, a GET of
 * `https://<name>:<port><path>` resolved to 127.0.0.1 by the client and verified against the
 * proxy's internal CA (as a browser that trusts that CA would), and stopping the proxy a deploy
 * started under a deploy root.
 *
 *   const answer = await httpsGet(`https://shop.apps.test:${port}/health`, caOf(deployRoot));
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";

export const CADDY = "/usr/bin/caddy";
export const caddyAvailable = (): boolean => existsSync(CADDY);

/** The proxy's directory under a deploy root (the role's proxy_dir). */
/** The base domain the tests' proxies serve projects under (names resolved to 127.0.0.1 by the client). */
export const TEST_DOMAIN = "apps.test";

/** A deploy's proxy variables: `project` at its name under TEST_DOMAIN, Caddy's internal CA, on 127.0.0.1. */
export const proxyVars = (project: string, httpsPort: number) => ({
  proxy_domains: [`${project}.${TEST_DOMAIN}`],
  proxy_https_port: httpsPort,
  proxy_tls: "internal",
  proxy_bind: "127.0.0.1",
});

/** GET / of `project` through the proxy of `deployRoot` on `httpsPort`, trusting its CA. */
export const siteGet = (deployRoot: string, project: string, httpsPort: number) => () =>
  httpsGet(`https://${project}.${TEST_DOMAIN}:${httpsPort}/`, caOf(deployRoot));

export const proxyDirOf = (deployRoot: string): string => path.join(deployRoot, ".proxy");

/** The root certificate of the proxy's internal CA (its storage under the deploy root). */
export const caOf = (deployRoot: string): string =>
  readFileSync(path.join(proxyDirOf(deployRoot), "data", "pki", "authorities", "local", "root.crt"), "utf8");

/** Stops the proxy a deploy started under the deploy root (process manager), if any. */
export function stopProxy(deployRoot: string): void {
  const control = path.join(proxyDirOf(deployRoot), "bin", "co-proxy-ctl");
  if (existsSync(control)) spawnSync("/bin/sh", [control, "stop"], { stdio: "ignore", timeout: 30_000 });
}

/** GETs an https URL, its name resolved to `address`, the certificate verified against `ca` only. */
export function httpsGet(
  url: string,
  ca: string,
  address = "127.0.0.1",
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      url,
      {
        ca,
        agent: false,
        timeout: 10_000,
        lookup: (_host, options, callback) =>
          options.all
            ? (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
                { address, family: 4 },
              ])
            : (callback as (e: null, a: string, f: number) => void)(null, address, 4),
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", reject);
  });
}
