/**
 * A third-party-style Compose project deployed the way the DevOps graph deploys one: real
 * `ansible-playbook` (deploy_project, rollback_project, undeploy_project with the compose manager)
 * against an sshd on 127.0.0.1, with docker-compose and a Docker engine of the test's own. The
 * project (test/fixtures/templates/compose-notes) has an API, a worker and PostgreSQL, built from
 * `debian:bookworm-slim` (see support/debian-image.ts), and declares its migrations. Proven: the
 * compose file is checked, the images built and the migrations run before the release goes live;
 * the three services come up healthy; a second release finds the database's data; a release that
 * never becomes healthy fails, naming its service, and the rollback to the last good one keeps the
 * data; project_logs reads the services' output; a compose file that asks for the host is refused
 * with nothing of it started; undeploy removes containers and volumes. The database password is a canary: in no job log.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { AnsibleSpec } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitComposeNotes } from "./support/compose-notes.ts";
import { DEBIAN_IMAGE, ensureRootfsImage } from "./support/debian-image.ts";
import { runPlaybook } from "./support/deploy-target.ts";
import { startDockerEngine, type TestEngine } from "./support/docker-engine.ts";
import { bareRepo, removeTempDirs, tempDir } from "./support/git-fixtures.ts";
import { freePort, type Sshd, sshdAvailable, startSshd } from "./support/sshd.ts";

const PROJECT = "notes";
const CANARY = "canary-postgres-password-5e1b";
const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const compose = spawnSync("docker-compose", ["version"]).status === 0;
let engine: TestEngine;
let sshd: Sshd;
let deployRoot: string;
let repo: { path: string; url: string };
let port: number;
const commits: Record<string, string> = {};
const MIGRATE_TASK = "Run the release's migrations in their compose service";

/** The fixture with the API's VERSION set (and any other change), pushed; its commit, kept by version. */
async function commitRelease(version: string, change?: (project: string) => Promise<void>): Promise<string> {
  commits[version] = await commitComposeNotes(repo.path, PROJECT, async (project) => {
    await writeFile(path.join(project, "api/VERSION"), `${version}\n`);
    await change?.(project);
  });
  return commits[version];
}

const common = () => ({
  project: PROJECT,
  deploy_root: deployRoot,
  service_manager: "compose",
  docker_host: engine.host,
  port,
  health_retries: 60,
  health_delay: 1,
});

function spec(
  playbook: "deploy_project" | "rollback_project" | "undeploy_project" | "project_logs",
  vars: object = {},
) {
  return AnsibleSpec.parse({
    playbook,
    target: { host: sshd.host, port: sshd.port, user: sshd.user, knownHosts: sshd.knownHostsLine },
    sshKeySecret: "SSH_KEY",
    vars: { ...common(), ...vars },
    ...(playbook === "deploy_project"
      ? {
          source: { url: repo.url, ref: "main" },
          secretEnv: { POSTGRES_PASSWORD: "APP_POSTGRES_PASSWORD" },
        }
      : {}),
  });
}

const deploySpec = () =>
  spec("deploy_project", { migrate_argv: ["python3", "migrate.py"], migrate_service: "api" });

const run = (spec: unknown) => runPlaybook(sshd, spec, { APP_POSTGRES_PASSWORD: CANARY }, 300_000);

const call = async (route: string, init?: RequestInit) => {
  const res = await fetch(`http://127.0.0.1:${port}${route}`, { ...init, signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.json() };
};

/** The project's containers by service, with their state (as docker reports it). */
async function containers(): Promise<Record<string, string>> {
  const list = await engine.docker.listContainers({
    all: true,
    filters: { label: [`com.docker.compose.project=co-${PROJECT}`] },
  });
  return Object.fromEntries(list.map((c) => [c.Labels["com.docker.compose.service"] ?? "?", c.State]));
}

/** What the play did in the role's named task ("changed", "ok", "skipped", "failed"), from the job's log. */
function taskStatus(log: string, task: string): string | undefined {
  const start = log.indexOf(`TASK [app : ${task}]`);
  return start < 0 ? undefined : /(ok|changed|skipped|failed): \[/.exec(log.slice(start))?.[1];
}

/** The migrations the database recorded, asked of psql inside the db container. */
function migrationsApplied(): string {
  const id = spawnSync(
    "docker",
    ["-H", engine.host, "ps", "-q", "--filter", `label=com.docker.compose.service=db`],
    {
      encoding: "utf8",
    },
  ).stdout.trim();
  const sql = "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations";
  return spawnSync(
    "docker",
    ["-H", engine.host, "exec", id, "psql", "--host=/tmp", "-U", "notes", "-d", "notes", "-tAc", sql],
    {
      encoding: "utf8",
    },
  ).stdout.trim();
}

type Note = { id: number; text: string; processed: boolean };
const notes = async (): Promise<Note[]> => (await call("/notes")).body as Note[];

beforeAll(async () => {
  if (!ansible || !sshdAvailable()) return;
  engine = await startDockerEngine({ sysboxRuntime: false });
  await ensureRootfsImage(engine, DEBIAN_IMAGE);
  sshd = await startSshd();
  deployRoot = await tempDir("co-compose-deploy-root-");
  await chmod(deployRoot, 0o755);
  repo = await bareRepo(await tempDir("co-compose-notes-repo-"), PROJECT, 0);
  port = await freePort();
}, 240_000);

afterAll(async () => {
  await engine?.stop();
  await sshd?.stop();
  await removeTempDirs();
}, 120_000);

describe.skipIf(!ansible || !sshdAvailable())(
  "a Compose project with a database, deployed",
  { timeout: 600_000 },
  () => {
    it("needs docker-compose on the host (scripts/system-deps.sh installs it)", () => {
      expect(compose).toBe(true);
    });

    it("checks, builds and migrates the release, then brings up the API, the worker and the database", async () => {
      await commitRelease("1");
      const deployed = await run(deploySpec());
      expect(deployed.status, deployed.explain()).toBe("succeeded");
      // Migrated before `current` moved (the old release, had there been one, still serving).
      expect(taskStatus(deployed.log, MIGRATE_TASK)).toBe("changed");
      expect(deployed.log.indexOf(MIGRATE_TASK)).toBeLessThan(
        deployed.log.indexOf("Point current at the release"),
      );
      expect(migrationsApplied()).toBe("1,2");
      expect(await containers()).toEqual({ api: "running", worker: "running", db: "running" });
      expect(await call("/health")).toEqual({ status: 200, body: { status: "ok" } });
      expect(await call("/version")).toEqual({ status: 200, body: { version: "1" } });
      expect((await call("/notes", { method: "POST", body: JSON.stringify({ text: "kept" }) })).status).toBe(
        201,
      );
      // The worker, a service of its own, marks it processed (bounded wait).
      for (let i = 0; i < 40 && !(await notes())[0]?.processed; i++)
        await new Promise((r) => setTimeout(r, 250));
      expect(await notes()).toEqual([{ id: 1, text: "kept", processed: true }]);
      expect(deployed.log).not.toContain(CANARY);
    });

    it("a second release finds the database's data; its migrations apply nothing twice", async () => {
      await commitRelease("2");
      const deployed = await run(deploySpec());
      expect(deployed.status, deployed.explain()).toBe("succeeded");
      expect(taskStatus(deployed.log, MIGRATE_TASK)).toBe("changed");
      expect(migrationsApplied()).toBe("1,2");
      expect(await call("/version")).toEqual({ status: 200, body: { version: "2" } });
      expect(await notes()).toEqual([{ id: 1, text: "kept", processed: true }]);
    });

    it("project_logs reads the compose project's output: the newest lines of its services, since a time", async () => {
      const read = await run(spec("project_logs", { lines: 40, since: "1h" }));
      expect(read.status, read.explain()).toBe("succeeded");
      expect(read.output?.logs).toMatchObject({ manager: "compose", truncated: false });
      const lines = read.output?.logs?.text.split("\n") ?? [];
      expect(lines.length).toBeLessThanOrEqual(40);
      // Timestamped, by service, in time order; the API's access log among them (its healthcheck
      // asks every 2 s).
      expect(lines.some((line) => /^\S+Z api \| "GET \/health HTTP\/1\.1" 200/.test(line))).toBe(true);
      const times = lines.map((line) => line.split(" ")[0] ?? "");
      expect([...times].sort()).toEqual(times);
      expect(lines.every((line) => /^\S+Z (api|worker|db) \| /.test(line))).toBe(true);
      expect(read.log).not.toContain("GET /health");
    });

    it("a release that never becomes healthy fails, naming its service; the rollback keeps the data", async () => {
      await commitRelease("broken");
      const failed = await run(spec("deploy_project", { health_retries: 8 }));
      expect(failed.status).toBe("failed");
      expect(failed.error).toMatch(/api is (exited|restarting|running, (starting|unhealthy))/);
      expect(failed.log).not.toContain(CANARY);

      const rolledBack = await run(spec("rollback_project", { rollback_to: commits["2"] }));
      expect(rolledBack.status, rolledBack.explain()).toBe("succeeded");
      expect(await call("/version")).toEqual({ status: 200, body: { version: "2" } });
      expect(await notes()).toEqual([{ id: 1, text: "kept", processed: true }]);
    });

    it("refuses a compose file that asks for the host, before building or starting anything of it", async () => {
      await commitRelease("3", async (project) => {
        const file = path.join(project, "compose.yaml");
        const mounts = "    volumes:\n      - /etc:/host-etc\n      - ./config:/app/config\n";
        const text = await readFile(file, "utf8");
        await writeFile(file, text.replace("  worker:\n", `  worker:\n    privileged: true\n${mounts}`));
        // Inside the release by its path, the host's /etc by the symlink committed there.
        await symlink("/etc", path.join(project, "config"));
      });
      const refused = await run(deploySpec());
      expect(refused.status).toBe("failed");
      expect(refused.error).toContain("service worker: `privileged` runs the container privileged");
      expect(refused.error).toContain("service worker: mounts the host path /etc, outside its release");
      expect(refused.error).toContain("a mount resolves to /etc");
      expect(taskStatus(refused.log, "Build the release's images")).toBeUndefined();
      // The live release was not touched.
      expect(await call("/version")).toEqual({ status: 200, body: { version: "2" } });
      expect(await containers()).toEqual({ api: "running", worker: "running", db: "running" });
    });

    it("undeploy_project removes the containers, the volume and the directory", async () => {
      const { port: _unused, ...vars } = common();
      const undeployed = await run(
        AnsibleSpec.parse({ ...spec("undeploy_project"), vars: { ...vars, service_manager: "compose" } }),
      );
      expect(undeployed.status, undeployed.explain()).toBe("succeeded");
      expect(await containers()).toEqual({});
      const volumes = (await engine.docker.listVolumes()).Volumes ?? [];
      expect(
        volumes.map((volume) => volume.Name).filter((name) => name.startsWith(`co-${PROJECT}_`)),
      ).toEqual([]);
      expect(existsSync(path.join(deployRoot, PROJECT))).toBe(false);
    });
  },
);
