/**
 * What whole-stack deploy tests run on: the Worker under `wrangler dev` with its loopback Telegram
 * and model (ChatHarness), an sshd on 127.0.0.1 registered as the server "local" (services under a
 * fresh deploy root), a directory for the projects' repositories, and an executor. `stop()` stops
 * the deployed services, removes their users, and ends the rest.
 *
 *   const stack = await startDeployStack({ REPO_ALLOW_LOCAL: "true" });  …  await stack.stop();
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { anyUserNode } from "../../executor/test/support/any-user-node.ts";
import { type Sshd, startSshd } from "../../executor/test/support/sshd.ts";
import { ChatHarness } from "./chat.ts";
import { stopDeployedServices } from "./deployed.ts";
import { freePort } from "./fleet.ts";

/** PATH on the test server: this Node (as provisioning would install one) and the system's tools. */
export const SERVER_PATH = `${path.dirname(anyUserNode())}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;

/**
 * Registers the sshd on 127.0.0.1 as the server "local": services run as supervised processes
 * (or with Compose, when asked) under `deployRoot` (opened to the projects' own users, as /srv is), on ports from a free one up.
 * Returns the server and its first port. `name` names it otherwise; `pinHostKey` registers it
 * with the sshd's host key (as an admin who knows it would) rather than trusting the first one.
 */
export async function registerServer(
  api: <T = any>(route: string, body?: unknown) => Promise<T>,
  sshd: Sshd,
  deployRoot: string,
  serviceManager: "process" | "compose" = "process",
  options: { name?: string; pinHostKey?: boolean } = {},
): Promise<{ server: { id: string; knownHosts: string | null }; portStart: number }> {
  await chmod(deployRoot, 0o755);
  const portStart = await freePort();
  const server = await api<{ id: string; knownHosts: string | null }>("/servers", {
    name: options.name ?? "local",
    host: sshd.host,
    sshPort: sshd.port,
    sshUser: sshd.user,
    memoryMb: 4096,
    cpuCores: 2,
    portRangeStart: portStart,
    portRangeEnd: portStart + 20,
    deployRoot,
    serviceManager,
    // The first deploy records the key the sshd presents (the admin allows it here, on loopback).
    ...(options.pinHostKey ? { knownHosts: sshd.knownHostsLine } : { trustFirstHostKey: true }),
  });
  return { server, portStart };
}

export interface DeployStack {
  chat: ChatHarness;
  sshd: Sshd;
  deployRoot: string;
  /** Where tests put the projects' repositories. */
  repos: string;
  /** The executor it started (unless asked not to: tests that kill and restart their own). */
  executor: Awaited<ReturnType<ChatHarness["fleet"]["executor"]>> | null;
  stop(): Promise<void>;
}

/** `vars` are the Worker's settings (or made from the repositories' directory). */
export async function startDeployStack(
  vars: Record<string, string> | ((repos: string) => Record<string, string>) = {},
  options: { executor?: boolean | undefined; capacity?: number } = {},
): Promise<DeployStack> {
  const sshd = await startSshd({ sessionPath: SERVER_PATH });
  const repos = await mkdtemp(path.join(tmpdir(), "co-stack-repos-"));
  const deployRoot = await mkdtemp(path.join(tmpdir(), "co-stack-deploy-"));
  const settings = typeof vars === "function" ? vars(repos) : vars;
  const chat = await ChatHarness.start(settings, { DEPLOY_SSH_KEY: sshd.privateKey });
  await registerServer(chat.api.bind(chat), sshd, deployRoot);
  const executor = options.executor === false ? null : await chat.fleet.executor(options.capacity ?? 2, {});
  return {
    chat,
    sshd,
    deployRoot,
    repos,
    executor,
    stop: async () => {
      stopDeployedServices(deployRoot);
      await chat.stop();
      await sshd.stop();
      await rm(repos, { recursive: true, force: true });
      await rm(deployRoot, { recursive: true, force: true });
    },
  };
}
