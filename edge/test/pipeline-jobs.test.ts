import {
  AnsibleSpec,
  ProjectManifest,
  type ProjectProfile,
  requiredCapabilities,
  TestSpec,
} from "@codegen-orchestrator/shared";
import { describe, expect, it } from "vitest";
import { type Placement, proxySite, siteUrl } from "../src/domain/placements.ts";
import type { Env } from "../src/env.ts";
import {
  deployJob,
  healthJob,
  healthRetries,
  restartJob,
  rollbackJob,
} from "../src/pipelines/devops/deploy.ts";
import { deployPlacement, type Inspected, profileDetail } from "../src/pipelines/devops/inspect.ts";
import { developerConfig } from "../src/pipelines/engineering/develop.ts";
import { testerSettingsError } from "../src/pipelines/engineering/project-code.ts";
import { testJob } from "../src/pipelines/engineering/tester.ts";
import { repoAccess } from "../src/pipelines/steps/repository.ts";

const envWith = (vars: Partial<Env>) => vars as Env;
const placement: Placement = {
  serverId: "srv",
  serverName: "local",
  port: 8001,
  host: "127.0.0.1",
  sshPort: 22,
  sshUser: "deploy",
  knownHosts: "[127.0.0.1]:22 ssh-ed25519 AAAA",
  trustFirstHostKey: false,
  deployRoot: "/srv/apps",
  serviceManager: "process",
  proxy: null,
  url: "http://127.0.0.1:8001",
  standbyPort: null,
};
const LIVE = "0123456789abcdef0123456789abcdef01234567";

describe("pipeline jobs", () => {
  it("waits for health as long as the manifest says the service needs to start, else the Worker's setting", () => {
    expect(healthRetries(envWith({ DEPLOY_HEALTH_RETRIES: "5" }), 120)).toBe(60);
    expect(healthRetries(envWith({ DEPLOY_HEALTH_RETRIES: "5" }), 7)).toBe(4);
    expect(healthRetries(envWith({ DEPLOY_HEALTH_RETRIES: "5" }))).toBe(5);
    expect(healthRetries(envWith({}))).toBeUndefined();
    const manifest = ProjectManifest.parse({
      test: { command: ["npm", "test"] },
      service: { startupSeconds: 90 },
    });
    expect(manifest.service).toEqual({ startupSeconds: 90 });
    expect(
      ProjectManifest.safeParse({ test: { command: ["x"] }, service: { startupSeconds: 0 } }).success,
    ).toBe(false);
  });

  it("rolls back to the commit that was live, or to the host's previous release without one", () => {
    const named = rollbackJob("shop", placement, "/health", LIVE, 4);
    expect(named.spec).toMatchObject({
      playbook: "rollback_project",
      vars: { project: "shop", port: 8001, rollback_to: LIVE, health_retries: 4 },
    });
    expect(named.secrets).toEqual({ DEPLOY_SSH_KEY: { system: "DEPLOY_SSH_KEY" } });
    expect(rollbackJob("shop", placement, "/health", null).spec.vars).not.toHaveProperty("rollback_to");
  });

  it("gives the deploy's source clone the repository token when the GitHub App hosts it", () => {
    const env = envWith({ GITHUB_APP_ID: "1", GITHUB_APP_PRIVATE_KEY: "key", GITHUB_OWNER: "acme" });
    const input = {
      projectId: "p1",
      resourceName: "shop",
      commit: LIVE,
      placement,
      healthPath: "/health",
      start: null,
      plain: { PORT: "8001" },
      secretNames: ["API_TOKEN"],
    };
    const url = "https://github.com/acme/shop.git";
    const onGitHub = deployJob({
      ...input,
      repoUrl: url,
      access: repoAccess(env, { url, resourceName: "shop" }),
    });
    expect(onGitHub.spec.source).toEqual({
      url,
      ref: LIVE,
      credentials: { username: "x-access-token", passwordSecret: "GIT_TOKEN" },
    });
    expect(onGitHub.secrets).toEqual({
      GIT_TOKEN: { github: "shop" },
      DEPLOY_SSH_KEY: { system: "DEPLOY_SSH_KEY" },
      APP_API_TOKEN: { projectId: "p1", name: "API_TOKEN" },
    });
    const local = "file:///srv/repos/shop.git";
    const elsewhere = deployJob({
      ...input,
      repoUrl: local,
      access: repoAccess(env, { url: local, resourceName: "shop" }),
    });
    expect(elsewhere.spec.source).toEqual({ url: local, ref: LIVE });
    expect(elsewhere.secrets).not.toHaveProperty("GIT_TOKEN");
  });

  it("serves a project behind its server's proxy at <project>.<baseDomain>, checked through that proxy", () => {
    const server = {
      host: "203.0.113.7",
      baseDomain: "apps.example.com",
      httpsPort: 443,
      tls: "acme" as const,
    };
    expect(
      proxySite({ ...server, baseDomain: null }, { resourceName: "shop", customDomain: null }),
    ).toBeNull();
    const site = proxySite(server, { resourceName: "shop", customDomain: "shop.example.org" });
    expect(site).toEqual({
      domains: ["shop.apps.example.com", "shop.example.org"],
      httpsPort: 443,
      tls: "acme",
      bind: "",
    });
    expect(siteUrl(site as NonNullable<typeof site>)).toBe("https://shop.apps.example.com");
    // A server on loopback is this machine: its proxy listens there only, on the port it was given.
    const local = proxySite(
      { host: "127.0.0.1", baseDomain: "apps.test", httpsPort: 8443, tls: "internal" },
      { resourceName: "shop", customDomain: null },
    );
    expect(local).toMatchObject({ bind: "127.0.0.1", tls: "internal" });
    expect(siteUrl(local as NonNullable<typeof local>)).toBe("https://shop.apps.test:8443");

    const proxied = { ...placement, host: "203.0.113.7", proxy: site, url: "https://shop.apps.example.com" };
    const input = {
      projectId: "p1",
      resourceName: "shop",
      repoUrl: "file:///srv/repos/shop.git",
      commit: LIVE,
      placement: proxied,
      healthPath: "/health",
      start: null,
      plain: {},
      secretNames: [],
      access: repoAccess(envWith({}), { url: "file:///srv/repos/shop.git", resourceName: "shop" }),
    };
    const job = deployJob(input);
    expect(AnsibleSpec.parse(job.spec).vars).toMatchObject({
      proxy_domains: ["shop.apps.example.com", "shop.example.org"],
      proxy_https_port: 443,
      proxy_tls: "acme",
      proxy_bind: "",
    });
    // Without a proxy the health check GETs the URL as it is.
    expect(healthJob(placement, "/health").command.slice(4)).toEqual(["http://127.0.0.1:8001/health", "60"]);
    // Behind it: through the server's address, the certificate verified unless the CA is internal.
    expect(healthJob(proxied, "/health").command.slice(4)).toEqual([
      "https://shop.apps.example.com/health",
      "60",
      "203.0.113.7",
      "verify",
    ]);
    const internal = {
      ...proxied,
      proxy: { ...(site as NonNullable<typeof site>), tls: "internal" as const },
    };
    expect(healthJob(internal, "/health").command.at(-1)).toBe("insecure");

    // With a standby port, releases switch between the two behind the proxy (blue-green): the
    // deploy, and the rollback and restart that switch the same way, carry both ports and the site.
    const blueGreen = { ...proxied, standbyPort: 8002 };
    const switching = {
      port: 8001,
      standby_port: 8002,
      proxy_domains: ["shop.apps.example.com", "shop.example.org"],
    };
    expect(deployJob({ ...input, placement: blueGreen }).spec.vars).toMatchObject(switching);
    expect(rollbackJob("shop", blueGreen, "/health", LIVE).spec.vars).toMatchObject(switching);
    expect(restartJob("shop", blueGreen, "/health").spec.vars).toMatchObject(switching);
    expect(restartJob("shop", placement, "/health").spec.vars).not.toHaveProperty("standby_port");
  });

  it("passes the start command and the migrations as argv, untouched, for the role to quote", () => {
    const access = repoAccess(envWith({}), { url: "file:///srv/repos/shop.git", resourceName: "shop" });
    const start = ["python3", "-m", "app", "two words", "; rm -rf / $(id) {{ x }}"];
    const base = {
      projectId: "p1",
      resourceName: "shop",
      repoUrl: "file:///srv/repos/shop.git",
      commit: LIVE,
      placement,
      healthPath: "/health",
      start,
      plain: {},
      secretNames: [],
      access,
    };
    const job = deployJob(base);
    expect(job.spec.vars).toMatchObject({ start_argv: start, service_manager: "process" });
    expect(job.spec.vars).not.toHaveProperty("proxy_domains");
    expect(job.spec.vars).not.toHaveProperty("start_command");
    expect(AnsibleSpec.parse(job.spec).vars.start_argv).toEqual(start);
    expect(job.spec.vars).not.toHaveProperty("migrate_argv");
    const migrate = { command: ["python3", "migrate.py", "$(id)"], service: "api" };
    const migrating = deployJob({ ...base, start: null, migrate });
    expect(AnsibleSpec.parse(migrating.spec).vars).toMatchObject({
      migrate_argv: migrate.command,
      migrate_service: "api",
    });
  });

  it("records each decision of the profile, and sends a project only Compose can run to Compose", () => {
    const profile: ProjectProfile = {
      manifest: false,
      test: { command: ["make", "test"], docker: false, from: "Makefile: target `test`" },
      start: null,
      healthPath: { path: "/health", from: "assumed: /health" },
      startupSeconds: null,
      migrate: null,
      compose: {
        file: "compose.yaml",
        healthchecked: ["web"],
        from: "compose.yaml: services with healthchecks (web)",
      },
      notes: ["package.json: not valid JSON (x): not used"],
    };
    expect(profileDetail(profile)).toEqual({
      manifest: false,
      test: { command: ["make", "test"], from: "Makefile: target `test`" },
      start: "none found",
      healthPath: { path: "/health", from: "assumed: /health" },
      compose: "compose.yaml: services with healthchecks (web)",
      notes: ["package.json: not valid JSON (x): not used"],
    });
    const inspected = { start: null, composeFile: "compose.yaml" } as unknown as Inspected;
    expect(deployPlacement(inspected, { ...placement, serviceManager: "auto" })).toMatchObject({
      serviceManager: "compose",
    });
    expect(deployPlacement(inspected, placement)).toEqual({
      error: expect.stringMatching(
        /^The project names no start command, so only Docker Compose can run it \(compose\.yaml\), but the server local runs services with process\. To deploy it there, add orchestrator\.json with "service": \{"start": \[\.\.\.\]\} \(argv, e\.g\. \["python3", "-m", "app"\]\)\.$/,
      ),
    });
    const started = { start: ["make", "run"], composeFile: null } as unknown as Inspected;
    expect(deployPlacement(started, placement)).toBe(placement);
  });

  it("runs project code in containers unless the operator allows the host, saying what to set", () => {
    expect(() => developerConfig(envWith({}))).toThrow(/DEVELOPER_ISOLATION=docker needs DEVELOPER_IMAGE/);
    expect(() => developerConfig(envWith({ DEVELOPER_ISOLATION: "process" }))).toThrow(
      /runs model-written commands on the executor host: set RUN_PROJECT_CODE_ON_HOST=true/,
    );
    expect(developerConfig(envWith({ DEVELOPER_IMAGE: "agents:1" }))).toMatchObject({ isolation: "docker" });
    expect(developerConfig(envWith({ RUN_PROJECT_CODE_ON_HOST: "true" }))).toMatchObject({
      isolation: "process",
    });
    expect(testerSettingsError(envWith({}))).toMatch(
      /set TESTER_IMAGE .*, or set RUN_PROJECT_CODE_ON_HOST=true/,
    );
    expect(testerSettingsError(envWith({ TESTER_IMAGE: "node-tests:24" }))).toBeNull();
  });

  it("runs the project's tests in a container of TESTER_IMAGE when set, on the host where allowed", () => {
    const input = {
      projectId: "01JABCDEF",
      repoUrl: "file:///srv/repos/shop.git",
      resourceName: "shop",
      commit: LIVE,
    };
    const contained = testJob(envWith({ TESTER_IMAGE: " registry.example/node-tests:24 " }), input);
    expect(contained.spec).toEqual({
      checkout: { url: input.repoUrl, ref: LIVE },
      env: {},
      outputLimit: 8192,
      container: {
        image: "registry.example/node-tests:24",
        cpus: 2,
        memoryMb: 2048,
        network: "bridge",
        project: "p-01jabcdef",
        dockerInside: "never",
        allowPrivilegedDocker: false,
      },
    });
    expect(TestSpec.parse(contained.spec).container?.image).toBe("registry.example/node-tests:24");
    expect(requiredCapabilities("test", contained.spec)).toEqual(["test", "docker"]);
    // Docker inside the Tester's container: on Sysbox executors, or anywhere when privileged is allowed.
    const withDocker = { TESTER_IMAGE: "tests:1", TESTER_DOCKER_INSIDE: "when-needed" };
    const sysboxed = testJob(envWith(withDocker), input).spec;
    expect(sysboxed.container).toMatchObject({ dockerInside: "when-needed", allowPrivilegedDocker: false });
    expect(requiredCapabilities("test", sysboxed)).toEqual(["test", "docker", "sysbox"]);
    const privileged = testJob(envWith({ ...withDocker, TESTER_PRIVILEGED_DOCKER: "true" }), input).spec;
    expect(requiredCapabilities("test", privileged)).toEqual(["test", "docker"]);
    expect(() => testJob(envWith({}), input)).toThrow(/TESTER_IMAGE/);
    const hosted = testJob(envWith({ RUN_PROJECT_CODE_ON_HOST: "true" }), input);
    expect(hosted.spec).not.toHaveProperty("container");
    expect(requiredCapabilities("test", hosted.spec)).toEqual(["test"]);
  });
});
