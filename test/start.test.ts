/**
 * `npm start` as a person uses it: start the local stack from scratch, take the printed URL and
 * admin key, and create a project, set a secret and allocate a port through the real HTTP API.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./support/fleet.ts";

const root = path.resolve(import.meta.dirname, "..");

/** Resolves with the banner's API URL and admin key once `npm start` says it is running. */
function waitForBanner(child: ChildProcess, timeoutMs: number): Promise<Banner> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => reject(new Error(`no banner within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const api = /API:\s+(http:\/\/127\.0\.0\.1:\d+\/api\/v1)/.exec(output)?.[1];
      const key = /Admin key:\s+(\S+)/.exec(output)?.[1];
      const console = /Console:\s+(http:\/\/\S+)/.exec(output)?.[1];
      if (api && key && console) {
        clearTimeout(timer);
        resolve({ api, key, console, output });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}

interface Banner {
  api: string;
  key: string;
  /** The console's one-time sign-in link. */
  console: string;
  /** Everything printed up to the banner. */
  output: string;
}

describe("npm start", () => {
  let child: ChildProcess;
  let stateDir: string;
  let banner: Banner;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), "co-start-"));
    // The executor (root here) runs jobs as users of their own, who must reach their workdirs in it.
    await chmod(stateDir, 0o711);
    const env = {
      ...process.env,
      PORT: String(await freePort()),
      INSPECTOR_PORT: String(await freePort()),
      ORCHESTRATOR_STATE_DIR: stateDir,
    };
    child = spawn(process.execPath, [path.join(root, "scripts/start.ts")], {
      cwd: root,
      env,
      detached: true,
    });
    banner = await waitForBanner(child, 100_000);
  });

  afterAll(async () => {
    if (child?.pid && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid, "SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    }
    await rm(stateDir, { recursive: true, force: true });
  });

  it("serves the API with the printed key: project, secret and port, as in the README", async () => {
    const headers = { authorization: `Bearer ${banner.key}`, "content-type": "application/json" };
    const post = async (route: string, body: unknown, method = "POST") => {
      const response = await fetch(`${banner.api}${route}`, { method, headers, body: JSON.stringify(body) });
      const json = await response.json();
      return { status: response.status, json: json as any };
    };

    const project = await post("/projects", { name: "Hello API", description: "Says hello" });
    expect(project.status).toBe(201);
    expect(project.json.slug).toBe("hello-api");

    const secret = await post(
      `/projects/${project.json.id}/secrets/GREETING_TOKEN`,
      { value: "t0ps3cret" },
      "PUT",
    );
    expect(secret.status).toBe(200);

    const server = await post("/servers", { name: "local", host: "127.0.0.1", memoryMb: 2048, cpuCores: 2 });
    expect(server.status).toBe(201);

    const allocation = await post("/allocations", { projectId: project.json.id, service: "web" });
    expect(allocation.status).toBe(201);
    expect(allocation.json).toMatchObject({ serverId: server.json.id, port: 8000 });

    const unauthenticated = await fetch(`${banner.api}/projects`);
    expect(unauthenticated.status).toBe(401);

    // Over real HTTP, bodiless DELETEs carry no content type: they must work.
    const release = await fetch(`${banner.api}/allocations/${allocation.json.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${banner.key}` },
    });
    expect(release.status).toBe(204);
  });

  it("starts one local executor that runs jobs", async () => {
    const headers = { authorization: `Bearer ${banner.key}`, "content-type": "application/json" };
    const get = async (route: string) =>
      (await (await fetch(`${banner.api}${route}`, { headers })).json()) as any;
    await expect
      .poll(async () => (await get("/executors")).items.filter((e: any) => e.connected).length, {
        timeout: 20_000,
      })
      .toBe(1);
    const submitted = await fetch(`${banner.api}/jobs`, {
      method: "POST",
      headers,
      body: JSON.stringify({ kind: "exec", spec: { command: ["sh", "-c", "echo from-the-local-executor"] } }),
    });
    expect(submitted.status).toBe(201);
    const job = (await submitted.json()) as any;
    await expect
      .poll(async () => (await get(`/jobs/${job.id}`)).status, { timeout: 20_000 })
      .toBe("succeeded");
    const done = await get(`/jobs/${job.id}`);
    expect(done.log.map((l: any) => l.chunk).join("")).toBe("from-the-local-executor\n");
  });

  it("prints a one-time link that signs in to the console, once", async () => {
    const link = new URL(banner.console);
    expect(link.pathname).toBe("/sign-in");
    const signIn = () =>
      fetch(`${link.origin}/sign-in`, {
        method: "POST",
        body: new URLSearchParams({ token: link.hash.slice(1) }),
        headers: { "sec-fetch-site": "same-origin" },
        redirect: "manual",
      });
    const first = await signIn();
    expect(first.status).toBe(303);
    const cookie = first.headers.get("set-cookie")?.split(";")[0] ?? "";
    const home = await fetch(`${link.origin}/`, { headers: { cookie }, redirect: "manual" });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Signed in as");
    // The web chat, as the banner names it: the admin's own chat, empty so far.
    const chat = /Chat:\s+(http:\/\/\S+)/.exec(banner.output)?.[1] as string;
    expect(chat).toBe(`${link.origin}/chat`);
    const page = await fetch(chat, { headers: { cookie } });
    expect(await page.text()).toContain("Chat with the Product-Owner agent");
    const feed = await fetch(`${link.origin}/api/v1/chat/messages`, { headers: { cookie } });
    expect(await feed.json()).toMatchObject({ items: [], request: null, busy: false });
    expect((await signIn()).status).toBe(400);
  });
});
