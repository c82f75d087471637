/**
 * An image agents can run in, for tests: `co-test/agent:<hash>`, `docker import`ed from a rootfs
 * made of this host's files (nothing is downloaded): busybox (as in `co-test/busybox:1`), bash
 * (Claude Code's Bash tool wants it), the Node binary running the tests as `/usr/local/bin/node`,
 * Claude Code's binary from node_modules as `/usr/local/bin/claude` (when installed), the shared
 * libraries `ldd` lists for each at the paths it names, `/etc/passwd` and `/etc/group`, and the
 * scripted custom agent at `SCRIPTED_AGENT_IN_IMAGE`. Git is not in it: git stays on the host.
 *
 * Files are hard-linked into the rootfs (copied when on another filesystem), so building it writes
 * little besides the import itself (~500 MB, a few seconds). The tag hashes what went in, so an
 * engine that outlives a run never serves a stale image.
 */

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, link, mkdir, readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { DockerEngine } from "../../src/containers/engine.ts";
import { busyboxRootfs, hasImage, importRootfs } from "./docker-engine.ts";
import { claudeBinary } from "./fake-anthropic.ts";

export const SCRIPTED_AGENT_IN_IMAGE = "/opt/co-test/scripted-agent.mjs";
const SCRIPTED_AGENT = path.resolve(import.meta.dirname, "scripted-agent.mjs");

export interface AgentImage {
  image: string;
  /** Whether Claude Code is in it (its binary was installed here). */
  claude: boolean;
}

/** The agent image on this engine, imported unless it is there already. */
export async function ensureAgentImage(docker: DockerEngine): Promise<AgentImage> {
  const claude = claudeBinary();
  const binaries: [host: string, inImage: string][] = [
    [process.execPath, "/usr/local/bin/node"],
    ["/bin/bash", "/bin/bash"],
    ...(claude ? [[claude, "/usr/local/bin/claude"] as [string, string]] : []),
  ];
  const image = `co-test/agent:${await contentHash(binaries.map(([host]) => host))}`;
  if (await hasImage(docker, image)) return { image, claude: claude !== null };
  const rootfs = await busyboxRootfs();
  try {
    for (const [host, inImage] of binaries) {
      await place(rootfs, host, inImage);
      for (const library of sharedLibraries(host)) await place(rootfs, library, library);
    }
    await place(rootfs, SCRIPTED_AGENT, SCRIPTED_AGENT_IN_IMAGE);
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    const users = [
      "root:x:0:0:root:/root:/bin/sh",
      ...(uid === 0 ? [] : [`agent:x:${uid}:${gid}::/tmp:/bin/sh`]),
    ];
    const groups = ["root:x:0:", ...(gid === 0 ? [] : [`agent:x:${gid}:`])];
    await mkdir(path.join(rootfs, "etc"), { recursive: true });
    await writeFile(path.join(rootfs, "etc", "passwd"), `${users.join("\n")}\n`);
    await writeFile(path.join(rootfs, "etc", "group"), `${groups.join("\n")}\n`);
    await importRootfs(docker, rootfs, image, ["ENV PATH=/usr/local/bin:/bin"]);
    return { image, claude: claude !== null };
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
}

/** The absolute paths `ldd` names for a binary's libraries, the dynamic loader included. */
function sharedLibraries(binary: string): string[] {
  const ldd = spawnSync("ldd", [binary], { encoding: "utf8" });
  if (ldd.status !== 0) throw new Error(`ldd ${binary} failed: ${ldd.stderr || ldd.stdout}`);
  return [...ldd.stdout.matchAll(/(?:=>\s*|^\s*)(\/\S+)\s+\(0x/gm)].map((match) => match[1] as string);
}

/** Puts the host file (symlinks resolved) at `inImage` in the rootfs: a hard link, else a copy. */
async function place(rootfs: string, host: string, inImage: string): Promise<void> {
  const target = path.join(rootfs, inImage);
  await mkdir(path.dirname(target), { recursive: true });
  await rm(target, { force: true });
  const source = await realpath(host);
  await link(source, target).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "EXDEV" && error.code !== "EPERM") throw error;
    await copyFile(source, target);
  });
}

/** What the image is made of, short: the binaries (path, size, mtime), Node's version, the scripted agent. */
async function contentHash(binaries: string[]): Promise<string> {
  const hash = createHash("sha256").update(process.version);
  for (const binary of binaries) {
    const resolved = await realpath(binary);
    const { size, mtimeMs } = await stat(resolved);
    hash.update(`${resolved}\0${size}\0${mtimeMs}\0`);
  }
  hash.update(await readFile(SCRIPTED_AGENT));
  return hash.digest("hex").slice(0, 12);
}
