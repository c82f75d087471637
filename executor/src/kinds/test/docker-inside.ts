/**
 * Docker inside a `test` job's container (`container.dockerInside`), for tests that run the
 * project's own stack (a Makefile `test` target calling `docker compose`). The container runs a
 * Docker engine of its own, never the executor's:
 *
 * - its state on a volume of the job's (`<container name>-docker`, removed after it): on the
 *   engine's own file system, where overlay2 works, not on the container's overlay;
 * - images preloaded from the executor's `--docker-inside-images` directory (`docker save`
 *   tarballs: executors without a registry, or a warm cache), mounted read-only;
 * - then the tests, as the executor's uid:gid (what they write stays removable), the engine's
 *   socket given to that gid.
 *
 * Where it runs: on `sysbox-runc` (Sysbox: root inside is nobody outside, dockerd works without
 * privileges). Without Sysbox, only where the operator allows it (`allowPrivilegedDocker`): every
 * capability this host can give, no seccomp or AppArmor profile, /sys and the cgroup tree
 * writable, which is what `--privileged` does and dockerd needs. `--privileged` itself is not
 * asked for: a host that lacks a capability (one running in a container itself) refuses it.
 */
import { existsSync, readFileSync } from "node:fs";
import type { TestContainer } from "@codegen-orchestrator/shared";
import type Docker from "dockerode";
import type { DockerEngine } from "../../containers/engine.ts";
import { SYSBOX_RUNTIME, sysboxRuntime } from "../../containers/job-container.ts";
import type { RunContext } from "../../jobs/runner.ts";

/** Where preloaded images are mounted in the container. */
const IMAGES_MOUNT = "/co-images";
/** The exit code of the entry script when the engine inside could not start (not the tests' own). */
export const ENGINE_INSIDE_FAILED = 125;
/** What the entry script's own messages start with, to tell them from the tests' output. */
export const ENTRY_MARK = "co-docker-inside:";

/**
 * Runs as root in the container: starts dockerd, waits for it (60 s at most), loads the preloaded
 * images, then runs the tests (`$@`) as uid `$1`, gid `$2`. Its arguments are data: the tests'
 * argv is passed after it, never written into it.
 */
const ENTRY_SCRIPT = `set -eu
uid=$1 gid=$2
shift 2
for tool in dockerd docker setpriv; do
  command -v "$tool" >/dev/null || { echo "${ENTRY_MARK} the image has no $tool: a dockerInside image needs dockerd, the docker CLI and setpriv" >&2; exit ${ENGINE_INSIDE_FAILED}; }
done
log=/var/log/co-dockerd.log
dockerd --group="$gid" >"$log" 2>&1 &
engine=$!
tries=0
until docker version >/dev/null 2>&1; do
  tries=$((tries + 1))
  if ! kill -0 "$engine" 2>/dev/null || [ "$tries" -gt 600 ]; then
    echo "${ENTRY_MARK} dockerd did not start; its log ends:" >&2
    tail -n 20 "$log" >&2
    exit ${ENGINE_INSIDE_FAILED}
  fi
  sleep 0.1
done
for image in ${IMAGES_MOUNT}/*.tar; do
  [ -e "$image" ] || continue
  docker load --quiet --input "$image" >/dev/null || { echo "${ENTRY_MARK} could not load $image" >&2; exit ${ENGINE_INSIDE_FAILED}; }
done
exec setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
`;

/** What a dockerInside container adds to its creation options, and the volume to remove after it. */
export interface DockerInside {
  user: string;
  cmd: (argv: readonly string[]) => string[];
  hostConfig: Docker.HostConfig;
  mounts: Docker.MountSettings[];
  volume: string;
  /** How the runtime is described in the log. */
  describe: string;
}

/** The options of a dockerInside container named `name`; a `JobFailure` when it may not run here. */
export async function dockerInside(
  docker: DockerEngine,
  spec: TestContainer,
  name: string,
  context: Pick<RunContext, "log" | "dockerImagesDir">,
): Promise<DockerInside> {
  const runtime = await sysboxRuntime(
    docker,
    {
      reason: "dockerInside",
      fallbackSetting: "allowPrivilegedDocker",
      allowPlainDocker: spec.allowPrivilegedDocker,
    },
    context.log,
  );
  const volume = `${name}-docker`;
  const images = context.dockerImagesDir;
  const mounts: Docker.MountSettings[] = [
    { Type: "volume", Source: volume, Target: "/var/lib/docker" },
    ...(images && existsSync(images)
      ? [{ Type: "bind" as const, Source: images, Target: IMAGES_MOUNT, ReadOnly: true }]
      : []),
  ];
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  return {
    user: "0:0",
    cmd: (argv) => ["sh", "-c", ENTRY_SCRIPT, "co-docker-inside", String(uid), String(gid), ...argv],
    hostConfig: runtime === SYSBOX_RUNTIME ? { Runtime: SYSBOX_RUNTIME } : privileged(),
    mounts: runtime === SYSBOX_RUNTIME ? mounts : [...mounts, cgroupTree()],
    volume,
    describe:
      runtime === SYSBOX_RUNTIME ? SYSBOX_RUNTIME : "default runtime, privileged (allowPrivilegedDocker)",
  };
}

/** Removes the job's engine state; gone already is fine. */
export async function removeEngineVolume(docker: DockerEngine, volume: string): Promise<void> {
  await docker
    .getVolume(volume)
    .remove({ force: true })
    .catch(() => {});
}

/** `--privileged`, spelled out, with the capabilities this host has. */
function privileged(): Docker.HostConfig {
  return {
    CapAdd: ["ALL"],
    CapDrop: capabilitiesThisHostLacks(),
    SecurityOpt: ["seccomp=unconfined", "apparmor=unconfined"],
    // The CLI's `--security-opt systempaths=unconfined`: nothing under /proc or /sys masked or read-only.
    MaskedPaths: [],
    ReadonlyPaths: [],
    DeviceCgroupRules: ["a *:* rwm"],
  };
}

const cgroupTree = (): Docker.MountSettings => ({
  Type: "bind",
  Source: "/sys/fs/cgroup",
  Target: "/sys/fs/cgroup",
  ReadOnly: false,
});

/** Linux capabilities by number (linux/capability.h). */
const CAPABILITIES = [
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "IPC_OWNER",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_CHROOT",
  "SYS_PTRACE",
  "SYS_PACCT",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_NICE",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "MKNOD",
  "LEASE",
  "AUDIT_WRITE",
  "AUDIT_CONTROL",
  "SETFCAP",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "SYSLOG",
  "WAKE_ALARM",
  "BLOCK_SUSPEND",
  "AUDIT_READ",
  "PERFMON",
  "BPF",
  "CHECKPOINT_RESTORE",
];

/** The capabilities missing from this process's bounding set (the engine beside it lacks them too). */
export function capabilitiesThisHostLacks(status = readFileSync("/proc/self/status", "utf8")): string[] {
  const bounding = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (!bounding) return [];
  const bits = BigInt(`0x${bounding}`);
  return CAPABILITIES.filter((_, bit) => (bits & (1n << BigInt(bit))) === 0n);
}
