/**
 * The files one ansible-playbook run needs, in a private 0700 directory removed afterwards: the
 * SSH key and the secret variables (0600, passed by path, never on argv or in an environment),
 * the inventory, the pinned known_hosts, and the plain variables; every variable marked `!unsafe`.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AnsibleSpec } from "@codegen-orchestrator/shared";
import { unsafeVarsYaml } from "./unsafe-vars.ts";

export interface RunFiles {
  dir: string;
  inventory: string;
  knownHosts: string;
  privateKey: string;
  plainVars: string;
  secretVars: string;
  /** Where a source archive goes, when the job has one. */
  sourceArchive: string;
  /** The host key line(s) known_hosts holds now (after accepting a new key, that key). */
  readKnownHosts(): Promise<string>;
  remove(): Promise<void>;
}

export const INVENTORY_HOST = "target";

/** Values for a single-quoted INI inventory field (no quotes or newlines reach it: zod checked them). */
const iniQuote = (value: string) => `'${value}'`;

export async function writeRunFiles(
  spec: AnsibleSpec,
  secrets: { privateKey: string; vars: Record<string, string>; env: Record<string, string> },
): Promise<RunFiles> {
  const dir = await mkdtemp(path.join(tmpdir(), "co-ansible-"));
  const file = (name: string) => path.join(dir, name);
  const files: RunFiles = {
    dir,
    inventory: file("inventory.ini"),
    knownHosts: file("known_hosts"),
    privateKey: file("id_key"),
    plainVars: file("vars.yml"),
    secretVars: file("secret-vars.yml"),
    sourceArchive: file("source.tar.gz"),
    readKnownHosts: async () => (await readFile(file("known_hosts"), "utf8")).trim(),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
  try {
    const { target } = spec;
    // A key must end with a newline, or OpenSSH refuses it.
    await writeFile(files.privateKey, `${secrets.privateKey.trim()}\n`, { mode: 0o600 });
    await writeFile(files.knownHosts, target.knownHosts ? `${target.knownHosts.trim()}\n` : "", {
      mode: 0o600,
    });
    // Every value is data: a job's variables come from repositories, members and models.
    await writeFile(files.secretVars, unsafeVarsYaml({ ...secrets.vars, secret_env: secrets.env }), {
      mode: 0o600,
    });
    await writeFile(files.plainVars, unsafeVarsYaml(spec.vars), { mode: 0o600 });
    const ssh = [
      `-o UserKnownHostsFile=${files.knownHosts}`,
      `-o StrictHostKeyChecking=${target.acceptNewHostKey ? "accept-new" : "yes"}`,
      "-o IdentitiesOnly=yes",
      "-o BatchMode=yes",
    ].join(" ");
    await writeFile(
      files.inventory,
      [
        `${INVENTORY_HOST} ansible_host=${target.host} ansible_port=${target.port} ansible_user=${target.user}`,
        "",
        "[all:vars]",
        `ansible_ssh_private_key_file=${iniQuote(files.privateKey)}`,
        `ansible_ssh_common_args=${iniQuote(ssh)}`,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    return files;
  } catch (error) {
    await files.remove();
    throw error;
  }
}
