/**
 * What a project's compose file may ask of the host (ansible/filter_plugins/compose_policy.py),
 * case by case, run by the Python that runs Ansible's filters (the filter imports no Ansible outside
 * it). The playbook itself, with a real engine, is executor/test/ansible-compose.test.ts.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const PLUGINS = path.resolve(import.meta.dirname, "../../ansible/filter_plugins");
const ROOT = "/srv/apps/shop/releases/abc1234";

/** Calls one of the module's functions with JSON arguments, in python3. */
function call(name: string, ...args: unknown[]): any {
  const script = `import json, sys; sys.path.insert(0, ${JSON.stringify(PLUGINS)})
import compose_policy
print(json.dumps(getattr(compose_policy, sys.argv[1])(*json.load(sys.stdin))))`;
  return JSON.parse(
    execFileSync("python3", ["-c", script, name], { input: JSON.stringify(args), encoding: "utf8" }),
  );
}

const violations = (service: object, extra: object = {}) =>
  call("compose_violations", { services: { web: service }, ...extra }, ROOT, [8080]) as string[];

describe("compose_violations", () => {
  it("lets a project build, publish its port, mount its own paths and use its own volumes", () => {
    const config = {
      services: {
        web: {
          build: { context: `${ROOT}/web` },
          ports: [{ published: 8080, target: 80 }, "127.0.0.1:8080:81"],
          volumes: [
            `${ROOT}/data:/data:rw`,
            "pgdata:/var/lib/postgresql/data:rw",
            { type: "tmpfs", target: "/tmp" },
          ],
          network_mode: "service:db",
          expose: ["9000"],
        },
        db: { image: "postgres:16", volumes: [{ type: "volume", source: "pgdata", target: "/data" }] },
        remote: { build: { context: "https://example.invalid/repo.git" } },
      },
      volumes: { pgdata: {} },
      networks: { default: { driver: "bridge" } },
      secrets: { token: { file: `${ROOT}/token.txt` } },
    };
    expect(call("compose_violations", config, ROOT, [8080])).toEqual([]);
  });

  it.each([
    ["privileged", true, "`privileged` runs the container privileged"],
    ["cap_add", ["SYS_ADMIN"], "`cap_add` adds kernel capabilities"],
    ["devices", ["/dev/kvm:/dev/kvm"], "`devices` passes host devices in"],
    ["security_opt", ["seccomp=unconfined"], "`security_opt` changes the container's security profile"],
    ["pid", "host", "`pid` shares a process namespace"],
    ["ipc", "host", "`ipc` shares an IPC namespace"],
    ["userns_mode", "host", "`userns_mode` leaves the user namespace"],
    ["container_name", "db", "`container_name` names the container outside its project"],
    ["volumes_from", ["container:other"], "`volumes_from` mounts another container's volumes"],
    ["sysctls", { "net.core.somaxconn": 1024 }, "`sysctls` sets kernel parameters"],
  ])("refuses %s", (key, value, why) => {
    expect(violations({ image: "x", [key]: value })).toEqual([
      expect.stringContaining(`service web: ${why}`),
    ]);
  });

  it("refuses the host's network and another container's", () => {
    expect(violations({ network_mode: "host" })).toEqual([
      "service web: `network_mode: host` leaves its project's network",
    ]);
    expect(violations({ network_mode: "container:other" })).toHaveLength(1);
  });

  it("refuses host paths, in either syntax, and a release's path that climbs out of it", () => {
    expect(
      violations({
        volumes: [
          "/var/run/docker.sock:/var/run/docker.sock:rw",
          { type: "bind", source: "/etc", target: "/host" },
          `${ROOT}/../other/.env:/x:ro`,
        ],
      }),
    ).toEqual([
      "service web: mounts the host path /var/run/docker.sock, outside its release",
      "service web: mounts the host path /etc, outside its release",
      `service web: mounts the host path ${ROOT}/../other/.env, outside its release`,
    ]);
  });

  it("refuses a build context outside the release", () => {
    expect(violations({ build: { context: "/srv/apps" } })).toEqual([
      "service web: builds from /srv/apps, outside its release",
    ]);
  });

  it("refuses ports other than the allocated one, and ports Docker chooses", () => {
    expect(violations({ ports: ["9000:80", { target: 80 }, "8080-8081:80-81", "0.0.0.0:22:22"] })).toEqual([
      expect.stringContaining(
        "service web: publishes 9000; a project publishes only its allocated port(s) (8080)",
      ),
      expect.stringContaining("publishes a port Docker chooses"),
      expect.stringContaining("publishes 8080-8081"),
      expect.stringContaining("publishes 22"),
    ]);
  });

  it("refuses other projects' volumes and networks, host paths in driver options and non-bridge networks", () => {
    const extra = {
      volumes: {
        shared: { external: true },
        etc: { driver_opts: { type: "none", o: "bind", device: "/etc" } },
      },
      networks: { theirs: { external: true }, hostnet: { driver: "macvlan" } },
      secrets: { key: { file: "/root/.ssh/id_ed25519" } },
    };
    expect(violations({ image: "x" }, extra)).toEqual([
      "volume etc binds a host path through driver_opts",
      "volume shared is external: a project uses only its own",
      "network hostnet uses the macvlan driver; a project uses bridge networks",
      "network theirs is external: a project uses only its own",
      "secret key reads /root/.ssh/id_ed25519, outside its release",
    ]);
  });
});

describe("compose_file_violations (the file as written)", () => {
  it("refuses env files and extended files outside the release, in every form", () => {
    const document = {
      services: {
        a: { env_file: "../other/.env" },
        b: { env_file: [".env", "/etc/environment", { path: "../../x.env", required: false }] },
        c: { extends: { file: "/srv/apps/other/current/compose.yaml", service: "db" } },
        d: { env_file: ".env", extends: { file: "base.yaml", service: "x" } },
      },
    };
    expect(call("compose_file_violations", document, ROOT)).toEqual([
      "service a: reads env_file ../other/.env, outside its release",
      "service b: reads env_file /etc/environment, outside its release",
      "service b: reads env_file ../../x.env, outside its release",
      "service c: extends /srv/apps/other/current/compose.yaml, outside its release",
    ]);
  });
});

describe("compose_bind_sources", () => {
  it("lists the host paths mounted, absolute, for the host to resolve", () => {
    const config = {
      services: {
        a: { volumes: ["./data:/data", "named:/n", { type: "bind", source: "/etc", target: "/e" }] },
        b: { volumes: [`${ROOT}/data:/d:ro`] },
      },
    };
    expect(call("compose_bind_sources", config, ROOT)).toEqual(["/etc", `${ROOT}/data`]);
  });
});

describe("compose_unready", () => {
  const container = (service: string, status: string, health?: string, exitCode = 0) => ({
    Name: `/co-shop_${service}_1`,
    Config: { Labels: { "com.docker.compose.service": service } },
    State: { Status: status, ExitCode: exitCode, ...(health ? { Health: { Status: health } } : {}) },
  });

  it("is empty when every container runs and every healthcheck passes", () => {
    const inspected = JSON.stringify([
      container("api", "running", "healthy"),
      container("worker", "running"),
    ]);
    expect(call("compose_unready", inspected)).toEqual([]);
  });

  it("names each container that is not running, or not healthy yet", () => {
    const inspected = JSON.stringify([
      container("api", "running", "starting"),
      container("db", "running", "unhealthy"),
      container("worker", "exited", undefined, 3),
      container("cron", "restarting"),
    ]);
    expect(call("compose_unready", inspected).map((item: { summary: string }) => item.summary)).toEqual([
      "api is running, starting",
      "db is running, unhealthy",
      "worker is exited, exit code 3",
      "cron is restarting",
    ]);
  });

  it("says so when there is no container or no readable state", () => {
    expect(call("compose_unready", "[]")).toEqual([{ service: "", summary: "no container is running" }]);
    expect(call("compose_unready", "not json")).toEqual([
      { service: "", summary: "docker inspect gave no readable state" },
    ]);
  });
});

describe("compose_kept_state (whether a stack may run twice, blue-green)", () => {
  it("names every volume a service mounts, in either syntax, but a tmpfs", () => {
    const config = {
      services: {
        web: { volumes: [{ type: "tmpfs", target: "/tmp" }] },
        db: { volumes: ["pgdata:/var/lib/postgresql/data:rw"] },
        files: { volumes: [`${ROOT}/uploads:/uploads:rw`, "/scratch"] },
        cache: {
          volumes: [
            { type: "volume", source: "cache", target: "/cache" },
            { type: "bind", source: "/x", target: "/y" },
          ],
        },
      },
    };
    expect(call("compose_kept_state", config)).toEqual([
      "service cache mounts cache at /cache",
      "service cache mounts /x at /y",
      "service db mounts pgdata at /var/lib/postgresql/data",
      `service files mounts ${ROOT}/uploads at /uploads`,
      "service files mounts an anonymous volume at /scratch",
    ]);
  });

  it("is empty for a stack without volumes", () => {
    expect(call("compose_kept_state", { services: { web: { ports: ["8080:80"] }, worker: {} } })).toEqual([]);
    expect(call("compose_kept_state", {})).toEqual([]);
  });
});

describe("compose_slot_state (the live slot's containers)", () => {
  const container = (project: string, service: string, running: boolean, mounts: object[] = []) => ({
    Config: { Labels: { "com.docker.compose.project": project, "com.docker.compose.service": service } },
    State: { Running: running },
    Mounts: mounts,
  });

  it("says whether the project runs and where its containers keep data (image VOLUMEs too)", () => {
    const inspected = JSON.stringify([
      container("co-shop", "web", true, [{ Type: "tmpfs", Destination: "/tmp" }]),
      container("co-shop", "redis", false, [{ Type: "volume", Name: "3f2a", Destination: "/data" }]),
      container("co-shop_b", "web", true, [{ Type: "bind", Destination: "/other" }]),
    ]);
    expect(call("compose_slot_state", inspected, "co-shop")).toEqual({
      running: true,
      reasons: ["service redis of the live release keeps data at /data"],
    });
    expect(call("compose_slot_state", "[]", "co-shop")).toEqual({ running: false, reasons: [] });
  });

  it("counts unreadable state as data kept (the release then stays in place)", () => {
    expect(call("compose_slot_state", "not json", "co-shop")).toEqual({
      running: false,
      reasons: ["docker inspect gave no readable state"],
    });
  });
});

describe("compose_port_env (slot b's override)", () => {
  it("gives the slot's port to each service whose environment holds PORT (env_file inlined), in either form", () => {
    const config = {
      services: {
        web: { environment: { PORT: "8000", NODE_ENV: "production" } },
        api: { environment: ["PORT=8000", "DEBUG=1"] },
        db: { environment: { POSTGRES_PASSWORD: "x" } },
        worker: {},
      },
    };
    expect(call("compose_port_env", config, 8001)).toEqual({
      api: { environment: { PORT: "8001" } },
      web: { environment: { PORT: "8001" } },
    });
    expect(call("compose_port_env", { services: { db: {} } }, 8001)).toEqual({});
  });
});
