/**
 * The DevOps graph's jobs: the `ansible` deploy, rollback and undeploy jobs, and the health check
 * from an executor. Secrets reach the jobs by reference only: the deploy key is a system secret,
 * the service's own secrets are project secrets.
 */
import type { AnsibleSpec, ExecSpec } from "@codegen-orchestrator/shared";
import type { Placement, ProxySite } from "../../domain/placements.ts";
import type { Env } from "../../env.ts";
import type { JobSecretRef } from "../../executors/job-secrets.ts";
import { pipelineSettings } from "../../settings/pipelines.ts";
import type { RepoAccess } from "../steps/repository.ts";

const HEALTH_TIMEOUT_S = 60;

/** How a project secret is named inside a deploy job (never clashing with the deploy key's). */
const jobSecretName = (name: string) => `APP_${name}`;
export const DEPLOY_KEY = "DEPLOY_SSH_KEY";

/** How a job reaches a server over SSH. */
export type ServerAccess = Pick<Placement, "host" | "sshPort" | "sshUser" | "knownHosts">;

export function target(placement: ServerAccess): AnsibleSpec["target"] {
  return {
    host: placement.host,
    port: placement.sshPort,
    user: placement.sshUser,
    // The first contact records the host's key on the server row; later ones require it.
    ...(placement.knownHosts
      ? { knownHosts: placement.knownHosts, acceptNewHostKey: false }
      : { acceptNewHostKey: true }),
  };
}

/** The playbooks' pause between two health checks, in seconds (`health_delay`). */
const HEALTH_DELAY_S = 2;

/**
 * How many times deploy_project and rollback_project GET the health path (2 s apart) before they
 * fail: what the project's manifest says it needs to start (`service.startupSeconds`), else the
 * Worker var DEPLOY_HEALTH_RETRIES; neither, the playbooks' default (30, a minute or more). Tests
 * set the var low, so a release that never becomes healthy fails in seconds.
 */
export function healthRetries(env: Env, startupSeconds?: number): number | undefined {
  if (startupSeconds) return Math.ceil(startupSeconds / HEALTH_DELAY_S);
  return pipelineSettings.read(env).DEPLOY_HEALTH_RETRIES;
}

/**
 * What a job on a project's release needs of its server: access, ports, deploy root, service
 * manager, and the proxy's site (a release behind it switches there: blue-green).
 */
export type ReleaseServer = ServerAccess &
  Pick<Placement, "port" | "standbyPort" | "deployRoot" | "serviceManager" | "proxy">;

/** The proxy_* variables: the site the server's proxy serves the project at. */
const proxyVars = (site: ProxySite | null) =>
  site
    ? {
        proxy_domains: site.domains,
        proxy_https_port: site.httpsPort,
        proxy_tls: site.tls,
        proxy_bind: site.bind,
      }
    : {};

/** The role's variables of a release: where it runs, how it is checked, the proxy's site. */
const appVars = (
  resourceName: string,
  placement: ReleaseServer,
  healthPath: string,
  retries: number | undefined,
) => ({
  project: resourceName,
  port: placement.port,
  ...(placement.standbyPort ? { standby_port: placement.standbyPort } : {}),
  deploy_root: placement.deployRoot,
  service_manager: placement.serviceManager,
  health_path: healthPath,
  ...(retries === undefined ? {} : { health_retries: retries }),
  ...proxyVars(placement.proxy),
});

export interface DeployInput {
  projectId: string;
  /** What the project is named by on its server (its directory, its unit). */
  resourceName: string;
  repoUrl: string;
  commit: string;
  placement: Placement;
  healthPath: string;
  /** `health_retries` (see healthRetries); unset, the playbook's default. */
  healthRetries?: number | undefined;
  /**
   * How the service starts, as argv (repository content): the playbook's `start_argv`, each word
   * quoted for /bin/sh by the role. Null for a project Compose runs (the placement says compose).
   */
  start: string[] | null;
  /** The manifest's migrations, run before the release goes live (`migrate_argv`, `migrate_service`). */
  migrate?: { command: string[]; service: string | null } | null;
  /** Plain variables (infra and computed). */
  plain: Record<string, string>;
  /** Project secrets the service gets under their own names. */
  secretNames: string[];
  /** How the executor gets into the repository. */
  access: RepoAccess;
}

export function deployJob(input: DeployInput): { spec: AnsibleSpec; secrets: Record<string, JobSecretRef> } {
  const { credentials, secrets: repoSecrets } = input.access;
  const secrets: Record<string, JobSecretRef> = {
    ...repoSecrets,
    [DEPLOY_KEY]: { system: "DEPLOY_SSH_KEY" },
  };
  for (const name of input.secretNames) secrets[jobSecretName(name)] = { projectId: input.projectId, name };
  return {
    spec: {
      playbook: "deploy_project",
      target: target(input.placement),
      sshKeySecret: DEPLOY_KEY,
      vars: {
        ...appVars(input.resourceName, input.placement, input.healthPath, input.healthRetries),
        ...(input.start ? { start_argv: input.start } : {}),
        ...(input.migrate
          ? { migrate_argv: input.migrate.command, migrate_service: input.migrate.service ?? "" }
          : {}),
        app_env: input.plain,
      },
      secretVars: {},
      secretEnv: Object.fromEntries(input.secretNames.map((name) => [name, jobSecretName(name)])),
      source: { url: input.repoUrl, ref: input.commit, credentials },
    },
    secrets,
  };
}

/** A playbook on the project's current release there, then its health URL waited for. */
function releaseJob(
  playbook: "rollback_project" | "restart_project",
  resourceName: string,
  server: ReleaseServer,
  healthPath: string,
  vars: { retries?: number | undefined; rollback_to?: string },
): { spec: AnsibleSpec; secrets: Record<string, JobSecretRef> } {
  const { retries, ...more } = vars;
  return {
    spec: {
      playbook,
      target: target(server),
      sshKeySecret: DEPLOY_KEY,
      vars: { ...appVars(resourceName, server, healthPath, retries), ...more },
      secretVars: {},
      secretEnv: {},
    },
    secrets: { [DEPLOY_KEY]: { system: "DEPLOY_SSH_KEY" } },
  };
}

/**
 * Restores the release of `commit` (the deployment that was live) on the placement's server; with
 * no commit (a deployment recorded before they were kept), the host's `previous` release.
 */
export const rollbackJob = (
  resourceName: string,
  server: ReleaseServer,
  healthPath: string,
  commit: string | null,
  retries?: number,
) =>
  releaseJob("rollback_project", resourceName, server, healthPath, {
    retries,
    ...(commit ? { rollback_to: commit } : {}),
  });

/** Restarts the current release in place (a monitor's recovery). */
export const restartJob = (
  resourceName: string,
  server: ReleaseServer,
  healthPath: string,
  retries?: number,
) => releaseJob("restart_project", resourceName, server, healthPath, { retries });

/** A playbook run on a server the project is (or was) deployed to, by its resource name. */
function serverJob(
  playbook: "undeploy_project" | "project_logs",
  resourceName: string,
  server: ServerAccess & Pick<Placement, "deployRoot" | "serviceManager">,
  vars: Record<string, string | number> = {},
): { spec: AnsibleSpec; secrets: Record<string, JobSecretRef> } {
  return {
    spec: {
      playbook,
      target: target(server),
      sshKeySecret: DEPLOY_KEY,
      vars: {
        project: resourceName,
        deploy_root: server.deployRoot,
        service_manager: server.serviceManager,
        ...vars,
      },
      secretVars: {},
      secretEnv: {},
    },
    secrets: { [DEPLOY_KEY]: { system: "DEPLOY_SSH_KEY" } },
  };
}

/**
 * Stops and removes the project's service, its directory and its Unix user on a server (a deleted
 * project's: `undeploy_project`, whichever service manager ran it there).
 */
export const undeployJob = (
  resourceName: string,
  server: ServerAccess & Pick<Placement, "deployRoot" | "serviceManager">,
) => serverJob("undeploy_project", resourceName, server);

/**
 * Reads the last `lines` lines (since `since`: a duration or a UTC time) of the project's service
 * output on a server (`project_logs`, whichever service manager runs it there).
 */
export const logsJob = (
  resourceName: string,
  server: ServerAccess & Pick<Placement, "deployRoot" | "serviceManager">,
  read: { lines: number; since: string },
) => serverJob("project_logs", resourceName, server, { lines: read.lines, since: read.since });

/**
 * GETs the URL from the executor until it answers 200 or the deadline passes (exit 0 / 1). Behind
 * a proxy it connects to the server itself (argv: address, verify), naming the site by SNI and
 * Host: the check is of the route on that server, whatever DNS says yet. A server whose proxy signs
 * with its own CA (tls internal) is checked without verifying that CA, which the executor lacks.
 */
const HEALTH_SCRIPT = `
import https from "node:https";
const [url, seconds, address, verify] = process.argv.slice(1);
const deadline = Date.now() + Number(seconds) * 1000;
const viaProxy = (target) => new Promise((resolve, reject) => {
  const request = https.get(target, {
    rejectUnauthorized: verify !== "insecure",
    lookup: (_host, options, callback) =>
      options.all ? callback(null, [{ address, family: address.includes(":") ? 6 : 4 }])
        : callback(null, address, address.includes(":") ? 6 : 4),
    timeout: 5000,
  }, (response) => { response.resume(); resolve({ status: response.statusCode }); });
  request.on("timeout", () => request.destroy(new Error("timed out")));
  request.on("error", reject);
});
let last = "no answer";
for (;;) {
  try {
    const response = address ? await viaProxy(url) : await fetch(url, { signal: AbortSignal.timeout(5000) });
    last = "HTTP " + response.status;
    if (response.status === 200) { console.log(url + " answered 200"); process.exit(0); }
  } catch (error) { last = String(error?.cause?.code ?? error?.code ?? error?.message ?? error); }
  if (Date.now() > deadline) { console.error(url + ": " + last); process.exit(1); }
  await new Promise((resolve) => setTimeout(resolve, 1000));
}`;

/**
 * How checks reach a placement behind its server's proxy: at the server's address (DNS need not
 * have propagated), the certificate verified unless the proxy's CA is internal. Undefined: no proxy.
 */
export const proxyRoute = (
  placement: Pick<Placement, "host" | "proxy">,
): { connectTo: string; verifyTls: boolean } | undefined =>
  placement.proxy ? { connectTo: placement.host, verifyTls: placement.proxy.tls !== "internal" } : undefined;

/** The health check of a placement's URL (through its server's proxy, when it has one). */
export function healthJob(
  placement: Pick<Placement, "url" | "host" | "proxy">,
  healthPath: string,
): ExecSpec {
  const route = proxyRoute(placement);
  const proxy = route ? [route.connectTo, route.verifyTls ? "verify" : "insecure"] : [];
  return {
    command: [
      "node",
      "--input-type=module",
      "-e",
      HEALTH_SCRIPT,
      `${placement.url}${healthPath}`,
      String(HEALTH_TIMEOUT_S),
      ...proxy,
    ],
    env: {},
  };
}
