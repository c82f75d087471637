/**
 * A Debian server whose PID 1 is systemd, for the app role's systemd paths: a container of the
 * `systemd` root file system (`scripts/test-images.sh systemd`: the provisioning target's packages
 * plus systemd, systemd-sysv and dbus) booting `/sbin/init`, on an engine the test starts, its sshd
 * (Debian's ssh.service, started by systemd) reached on a 127.0.0.1 port.
 *
 *   const server = await startSystemdTarget();
 *   await runPlaybook(server, { playbook: "deploy_project", target: server.target(), … });
 *   server.exec("systemctl is-active co-hello.service");
 *   await server.stop();
 *
 * - systemd in a container: its own cgroup namespace (`--cgroupns=private`: systemd finds its own
 *   cgroup at the root of each hierarchy, whether the host has cgroup v1, hybrid or v2), the cgroup
 *   file systems made writable by the container's first command before it execs `/sbin/init` (as
 *   `--privileged` mounts them: support/provision-target.ts `privileged()` says why it may not
 *   be), tmpfs on /run and /run/lock, `container=docker`, stopped with SIGRTMIN+3 (systemd's
 *   "halt"). `systemctl is-system-running --wait` says when it has booted.
 * - Network: none of the host's (`--network=none`); slirp4netns gives the namespace a user-mode
 *   stack only so that the SSH port is forwarded from 127.0.0.1 (nothing in the tests goes out).
 * - SSH: the user `deploy` (a key made for this run, passwordless sudo, owning /srv/apps), as
 *   provision_server leaves a server: the role's tasks become root through sudo. The host key is
 *   read from the container and pinned (`knownHostsLine`).
 */

import { existsSync } from "node:fs";
import path from "node:path";
import { containerHost } from "./container-host.ts";
import { ensureRootfsImage, SYSTEMD_TARGET_IMAGE } from "./debian-image.ts";
import { keyPair, privileged } from "./provision-target.ts";
import { freePort } from "./sshd.ts";

export interface SystemdTarget {
  host: string;
  sshPort: number;
  /** The SSH user: `deploy`, with passwordless sudo. */
  user: string;
  /** The SSH user's private key (a job's SSH_KEY secret). */
  privateKey: string;
  /** `[127.0.0.1]:<sshPort> <type> <key>`: the target's host key. */
  knownHostsLine: string;
  /** The `target` of an ansible job spec that reaches this server. */
  target: () => { host: string; port: number; user: string; knownHosts: string };
  /** What `systemctl is-system-running` said once it had booted (`running`, or `degraded`). */
  systemState: string;
  /** Runs a shell command in the target as root; its stdout (throws when it fails). */
  exec: (command: string) => string;
  /** Ends the target, its network and the engine; removes their files. */
  stop: () => Promise<void>;
}

const HOW_TO =
  "Run as root on Debian after `bash scripts/system-deps.sh` (docker.io, mmdebstrap, slirp4netns).";
const BOOT_TIMEOUT_MS = 60_000;

/**
 * The container's first command: the cgroup file systems (v1, v2 or both) and /sys writable, then
 * systemd as PID 1 (`exec`: it keeps the container's first pid).
 */
const BOOT =
  'for m in /sys /sys/fs/cgroup $(awk \'$3 == "cgroup" || $3 == "cgroup2" {print $2}\' /proc/self/mounts); do' +
  " mount -o remount,rw $m 2>/dev/null || mount -o remount,bind,rw $m; done; exec /sbin/init";

export async function startSystemdTarget(): Promise<SystemdTarget> {
  for (const binary of ["dockerd", "mmdebstrap", "slirp4netns", "ssh-keygen"])
    if (!["/usr/bin", "/usr/sbin", "/bin", "/sbin"].some((dir) => existsSync(path.join(dir, binary))))
      throw new Error(`${binary} is not installed: the systemd target needs it. ${HOW_TO}`);
  const host = await containerHost("co-systemd-");
  const { dir, engine, docker, exec, write, stop } = host;
  try {
    await ensureRootfsImage(engine, SYSTEMD_TARGET_IMAGE);
    const id = host.run(
      ...privileged(),
      "--cgroupns=private",
      "--tmpfs=/run",
      "--tmpfs=/run/lock",
      "--env=container=docker",
      "--stop-signal=SIGRTMIN+3",
      "--network=none",
      "--hostname=target",
      // As Debian's installer writes it: sudo resolves the host's own name without DNS.
      "--add-host=target:127.0.1.1",
      SYSTEMD_TARGET_IMAGE,
      "sh",
      "-c",
      BOOT,
    );

    const systemState = await booted(exec, () => docker("logs", "--tail=40", id));

    await host.network();
    const deploy = keyPair(dir, "deploy");
    exec(
      "useradd --create-home --shell /bin/bash deploy && install -d -m 0700 -o deploy -g deploy ~deploy/.ssh" +
        " && install -d -m 0755 -o deploy -g deploy /srv/apps",
    );
    write("/home/deploy/.ssh/authorized_keys", `${deploy.publicKey}\n`);
    exec("chown deploy:deploy ~deploy/.ssh/authorized_keys && chmod 0600 ~deploy/.ssh/authorized_keys");
    write("/etc/sudoers.d/90-orchestrator-deploy", "deploy ALL=(ALL) NOPASSWD: ALL\n");
    exec("chmod 0440 /etc/sudoers.d/90-orchestrator-deploy && visudo -c >/dev/null");

    const sshPort = await freePort();
    await host.forward(sshPort, 22);
    const [type, key] = exec("cat /etc/ssh/ssh_host_ed25519_key.pub").trim().split(/\s+/);
    const knownHostsLine = `[127.0.0.1]:${sshPort} ${type} ${key}`;
    return {
      host: "127.0.0.1",
      sshPort,
      user: "deploy",
      privateKey: deploy.privateKey,
      knownHostsLine,
      target: () => ({ host: "127.0.0.1", port: sshPort, user: "deploy", knownHosts: knownHostsLine }),
      systemState,
      exec,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Waits for systemd to finish booting (`is-system-running --wait` answers once the boot job
 * queue is empty; before systemd listens on its bus it fails, and is asked again) with ssh.service
 * running; the state it reached.
 */
async function booted(exec: (command: string) => string, logs: () => string): Promise<string> {
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  let state = "";
  for (;;) {
    try {
      state = exec("systemctl is-system-running --wait || true").trim();
    } catch (error) {
      state = String(error);
    }
    if (state === "running" || state === "degraded") break;
    if (Date.now() > deadline)
      throw new Error(
        `systemd did not finish booting within ${BOOT_TIMEOUT_MS} ms (${state}); the container's output:\n${logs()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const ssh = exec("systemctl is-active ssh.service || true").trim();
  if (ssh !== "active")
    throw new Error(
      `ssh.service is ${ssh} after boot (system ${state}):\n${exec("systemctl status ssh.service --no-pager || true")}`,
    );
  return state;
}
