/**
 * `ansible` jobs: one playbook of the repository's `ansible/` folder against one host. The SSH
 * key and the secret variables are job secrets, written to 0600 files in a private directory and
 * passed by path; host keys are pinned unless first provisioning accepts a new one, explicitly.
 */
import { z } from "zod";
import { GitCredentials, GitRef, GitRemoteUrl } from "./git.ts";
import { EnvName, JsonValue } from "./values.ts";

export const Playbook = z.enum([
  "deploy_project",
  "rollback_project",
  "restart_project",
  "health_check",
  "undeploy_project",
  "project_logs",
  "server_check",
  "provision_server",
  "provision_executor",
]);
export type Playbook = z.infer<typeof Playbook>;

const VarName = z.string().regex(/^[a-z_][a-z0-9_]{0,99}$/, "an Ansible variable name");

export const AnsibleTarget = z.strictObject({
  /** A host name or an IP address. */
  host: z.string().regex(/^[A-Za-z0-9.:-]{1,253}$/, "a host name or address"),
  port: z.number().int().min(1).max(65_535).default(22),
  user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "a user name"),
  /** known_hosts lines for the host (from the server record): the only keys accepted. */
  knownHosts: z.string().max(16_384).optional(),
  /** First provisioning only: accept and record the key the host presents. Logged. */
  acceptNewHostKey: z.boolean().default(false),
});
export type AnsibleTarget = z.infer<typeof AnsibleTarget>;

export const AnsibleSpec = z
  .strictObject({
    playbook: Playbook,
    target: AnsibleTarget,
    /** The job secret holding the SSH private key. */
    sshKeySecret: EnvName,
    /** Plain variables (never secrets: they may appear in logs). */
    vars: z.record(VarName, JsonValue).default({}),
    /** Variables whose values are job secrets, by secret name; every task touching them has no_log. */
    secretVars: z.record(VarName, EnvName).default({}),
    /**
     * The deployed service's environment variables whose values are job secrets, by secret name:
     * the playbook gets them as the `secret_env` mapping (from the 0600 vars file).
     */
    secretEnv: z.record(EnvName, EnvName).default({}),
    /**
     * The project's source: cloned on the executor at `ref` and handed to the playbook as an
     * archive (`source_archive`, `source_commit`), so the target needs no access to the repository.
     */
    source: z
      .strictObject({ url: GitRemoteUrl, ref: GitRef, credentials: GitCredentials.optional() })
      .optional(),
  })
  .refine((spec) => spec.target.knownHosts !== undefined || spec.target.acceptNewHostKey, {
    message: "pin the host key (target.knownHosts) or accept a new one explicitly (target.acceptNewHostKey)",
    path: ["target", "knownHosts"],
  });
export type AnsibleSpec = z.infer<typeof AnsibleSpec>;

export const HostStats = z.strictObject({
  ok: z.number().int().nonnegative(),
  changed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  unreachable: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  rescued: z.number().int().nonnegative(),
  ignored: z.number().int().nonnegative(),
});

/** The most of a service's output project_logs returns (the result frame is at most 256 KB). */
export const PROJECT_LOGS_MAX_BYTES = 131_072;

/** What project_logs read on the host: the manager that runs the service there (null: nothing deployed). */
export const ProjectLogsOutput = z.strictObject({
  manager: z.enum(["process", "systemd", "compose"]).nullable(),
  /** The last lines, secrets masked; at most PROJECT_LOGS_MAX_BYTES. */
  text: z.string().max(PROJECT_LOGS_MAX_BYTES),
  /** More than PROJECT_LOGS_MAX_BYTES were there: the oldest lines were cut. */
  truncated: z.boolean(),
});
export type ProjectLogsOutput = z.infer<typeof ProjectLogsOutput>;

/** What server_check saw on the host (ansible/README.md#server_check). */
export const ServerCheckOutput = z.strictObject({
  diskFreePercent: z.number().min(0).max(100),
  memoryAvailablePercent: z.number().min(0).max(100),
  loadPerCore: z.number().min(0),
  /** `systemd running`, `docker up` and the like; null when the host runs neither. */
  serviceManager: z.string().max(200).nullable(),
  /** Each threshold passed and each service manager not well, said for an admin; empty: healthy. */
  problems: z.array(z.string().max(500)).max(20),
});
export type ServerCheckOutput = z.infer<typeof ServerCheckOutput>;

export const AnsibleResult = z.strictObject({
  playbook: Playbook,
  /** Per host, as the play recap counts. */
  hosts: z.record(z.string(), HostStats),
  /** The first failing task, with its message (secrets masked). */
  failure: z.strictObject({ host: z.string(), task: z.string(), message: z.string().max(8_000) }).nullable(),
  /** The host key recorded when a new one was accepted (to store on the server record). */
  acceptedHostKey: z.string().nullable(),
  durationMs: z.number().nonnegative(),
  /** project_logs only: the service's output. */
  logs: ProjectLogsOutput.optional(),
  /** server_check only: the host's figures and problems. */
  check: ServerCheckOutput.optional(),
});
export type AnsibleResult = z.infer<typeof AnsibleResult>;
