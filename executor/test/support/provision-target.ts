/**
 * A fresh Debian server for the provisioning test: a privileged container of the `target` root
 * file system (`scripts/test-images.sh target`: an SSH server, python3, sudo, iproute2, nothing
 * else), in a network namespace of its own, on an engine the test starts.
 *
 * - Network: slirp4netns gives the namespace a user-mode stack (outbound through the host's, DNS
 *   at 10.0.2.3), so apt and npm reach their servers without touching the host's firewall or
 *   routing; the target's own firewall (provision_server's nftables) applies to its namespace only.
 *   Its SSH port (22) and the proxy's HTTPS port (443) are forwarded from 127.0.0.1 ports.
 * - SSH: root is reachable with a key made for this run (as a cloud image authorises the
 *   operator's); the host key is read from the container and pinned (`knownHostsLine`).
 * - Certificate authorities: the host's local ones (/usr/local/share/ca-certificates) are copied
 *   in: the target reaches npm through the host's network, whatever inspects its TLS there (and
 *   NODE_EXTRA_CA_CERTS in /etc/environment points the pinned Node at Debian's bundle).
 * - apt: the host's sources (`/etc/apt/sources.list`, `/etc/apt/sources.list.d/*.list|*.sources`)
 *   are copied in; downloaded packages are kept in the user's cache dir (bind-mounted on
 *   /var/cache/apt/archives), so a second run downloads nothing; dpkg runs with force-unsafe-io.
 * - Docker inside: /var/lib/docker is a host directory (overlayfs does not stack on the container's
 *   own overlay root).
 *
 * No systemd: sshd is started by its init script, as `service ssh start` would, under docker-init.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { containerHost } from "./container-host.ts";
import { ensureRootfsImage, PROVISION_TARGET_IMAGE } from "./debian-image.ts";
import { freePort } from "./sshd.ts";

export interface ProvisionTarget {
  sshPort: number;
  httpsPort: number;
  /** `[127.0.0.1]:<sshPort> <type> <key>`: the target's host key. */
  knownHostsLine: string;
  /**
   * Capabilities this host cannot give the container (a sandboxed host), lower case without
   * `cap_`: what needs them cannot run in the target.
   */
  missingCapabilities: string[];
  /** The private key authorised for root. */
  rootKey: string;
  /** Runs a command in the target (as root), its stdout. */
  exec: (command: string) => string;
  /** Ends the target, its network and the engine; removes their files. */
  stop: () => Promise<void>;
}

const CACHE = path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "codegen-orchestrator");

const HOW_TO =
  "Run as root on Debian after `bash scripts/system-deps.sh` (docker.io, mmdebstrap, slirp4netns).";

function need(binary: string): void {
  const found = ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin", "/sbin"].some((dir) =>
    existsSync(path.join(dir, binary)),
  );
  if (!found) throw new Error(`${binary} is not installed: the provisioning test needs it. ${HOW_TO}`);
}

/** Keys made with ssh-keygen in `dir`: the private key's text and the public key's line. */
export function keyPair(dir: string, name: string): { privateKey: string; publicKey: string } {
  const file = path.join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `co-provision-${name}`, "-f", file]);
  return { privateKey: readFileSync(file, "utf8"), publicKey: readFileSync(`${file}.pub`, "utf8").trim() };
}

/** The host's apt sources, as files to write into the target (name → content). */
function hostAptSources(): Record<string, string> {
  const sources: Record<string, string> = {};
  if (existsSync("/etc/apt/sources.list"))
    sources["/etc/apt/sources.list"] = readFileSync("/etc/apt/sources.list", "utf8");
  const dir = "/etc/apt/sources.list.d";
  for (const name of existsSync(dir) ? readdirSync(dir) : [])
    if (/\.(list|sources)$/.test(name))
      sources[path.join(dir, name)] = readFileSync(path.join(dir, name), "utf8");
  if (Object.keys(sources).length === 0) throw new Error("this host has no apt sources to give the target");
  return sources;
}

/** The certificate authorities this host adds to Debian's (`update-ca-certificates` reads them there). */
function hostLocalAuthorities(): Record<string, string> {
  const dir = "/usr/local/share/ca-certificates";
  const authorities: Record<string, string> = {};
  for (const name of existsSync(dir) ? readdirSync(dir) : [])
    if (name.endsWith(".crt")) authorities[path.join(dir, name)] = readFileSync(path.join(dir, name), "utf8");
  return authorities;
}

export async function startProvisionTarget(): Promise<ProvisionTarget> {
  for (const binary of ["dockerd", "mmdebstrap", "slirp4netns", "ssh-keygen"]) need(binary);
  const aptCache = path.join(CACHE, "provision-apt-archives");
  await mkdir(path.join(aptCache, "partial"), { recursive: true });
  const host = await containerHost("co-provision-");
  const { dir, engine, exec, write, stop } = host;
  try {
    const dockerData = path.join(dir, "docker-data");
    await mkdir(dockerData);
    await ensureRootfsImage(engine, PROVISION_TARGET_IMAGE);
    host.run(
      ...privileged(),
      "--network=none",
      "--init",
      "--hostname=target",
      `--volume=${aptCache}:/var/cache/apt/archives`,
      `--volume=${dockerData}:/var/lib/docker`,
      PROVISION_TARGET_IMAGE,
      "sh",
      "-c",
      `${WRITABLE_SYSTEM} /etc/init.d/ssh start && exec sleep infinity`,
    );
    await host.network();
    write("/etc/resolv.conf", "nameserver 10.0.2.3\n");
    exec("rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*");
    // A disposable server: dpkg need not sync each file it unpacks (minutes saved on ~500 packages).
    write("/etc/dpkg/dpkg.cfg.d/co-test-unsafe-io", "force-unsafe-io\n");
    for (const [file, content] of Object.entries(hostAptSources())) write(file, content);

    // The host's own certificate authorities (a TLS-inspecting egress, say): the target reaches
    // npm through the same network. ca-certificates, once provisioning installs it, takes them in.
    exec("install -d -m 0755 /usr/local/share/ca-certificates");
    const authorities = Object.entries(hostLocalAuthorities());
    for (const [file, content] of authorities) write(file, content);
    // The pinned Node (npm install -g once it is the host's node) has its own store: it reads
    // Debian's bundle too through NODE_EXTRA_CA_CERTS, set for SSH sessions (pam_env).
    if (authorities.length > 0)
      write("/etc/environment", "NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt\n");

    const root = keyPair(dir, "root");
    exec("install -d -m 0700 /root/.ssh");
    write("/root/.ssh/authorized_keys", `${root.publicKey}\n`);
    const sshPort = await freePort();
    const httpsPort = await freePort();
    await host.forward(sshPort, 22);
    await host.forward(httpsPort, 443);
    const [type, key] = exec("cat /etc/ssh/ssh_host_ed25519_key.pub").trim().split(/\s+/);
    return {
      sshPort,
      httpsPort,
      knownHostsLine: `[127.0.0.1]:${sshPort} ${type} ${key}`,
      missingCapabilities: missingCapabilities(),
      rootKey: root.privateKey,
      exec,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

const CAPABILITIES = (
  "chown dac_override dac_read_search fowner fsetid kill setgid setuid setpcap linux_immutable " +
  "net_bind_service net_broadcast net_admin net_raw ipc_lock ipc_owner sys_module sys_rawio sys_chroot " +
  "sys_ptrace sys_pacct sys_admin sys_boot sys_nice sys_resource sys_time sys_tty_config mknod lease " +
  "audit_write audit_control setfcap mac_override mac_admin syslog wake_alarm block_suspend audit_read " +
  "perfmon bpf checkpoint_restore"
).split(" ");

/**
 * `--privileged`, or where this process lacks capabilities (a sandboxed host: runc then cannot
 * grant them and refuses to start the container) its equivalent without those: every other
 * capability, no seccomp or AppArmor profile, /proc unmasked; /sys and the cgroup file systems are
 * made writable by the container's first command (WRITABLE_SYSTEM), as --privileged mounts them.
 */
export function privileged(): string[] {
  const bounding = BigInt(
    `0x${/^CapBnd:\s*([0-9a-f]+)/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? "0"}`,
  );
  const missing = CAPABILITIES.filter((_, bit) => (bounding & (1n << BigInt(bit))) === 0n);
  if (missing.length === 0) return ["--privileged"];
  return [
    "--cap-add=ALL",
    ...missing.map((name) => `--cap-drop=${name.toUpperCase()}`),
    "--security-opt=seccomp=unconfined",
    "--security-opt=apparmor=unconfined",
    "--security-opt=systempaths=unconfined",
  ];
}

function missingCapabilities(): string[] {
  const status = readFileSync("/proc/self/status", "utf8");
  const bounding = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)/m.exec(status)?.[1] ?? "0"}`);
  return CAPABILITIES.filter((_, bit) => (bounding & (1n << BigInt(bit))) === 0n);
}

const WRITABLE_SYSTEM =
  "for m in /sys /sys/fs/cgroup $(awk '$3 == \"cgroup\" {print $2}' /proc/self/mounts); do" +
  " mount -o remount,rw $m 2>/dev/null || mount -o remount,bind,rw $m; done;";
