/**
 * The values of the secrets jobs reference, resolved when the hub sends a job to its executor:
 * project secrets are read from D1 and opened with the keyring; system secrets (the system's own
 * credentials, which pipeline jobs need: the agents' model key, the deploy key) come from the
 * Worker's own secrets. Why a secret could not be had is a fixed phrase: never a value, never key
 * material.
 */
import type { SystemSecret } from "@codegen-orchestrator/shared";
import type { Db } from "../db/client.ts";
import { sealedSecrets } from "../domain/secrets.ts";
import {
  type Keyring,
  KeyringError,
  loadKeyring,
  openSecret,
  type SecretAddress,
} from "../secrets/crypto.ts";

/** A secret's value (a project secret's with its project's pool: it goes to that pool only), or why not. */
export type Opened = { ok: true; value: string; pool?: string } | { ok: false; why: string };

export type SystemSecrets = Partial<Record<SystemSecret, string | undefined>>;

/** A chat's member, for whom a chat's agent job acts (its key is minted when the job is sent). */
export interface ChatKeyRef {
  userId: string;
  chatId: number;
}

/**
 * What a job's secret environment variable refers to: a project secret, a system secret, a token
 * for one repository of the GitHub App's organization, or an API key of a chat's member (both
 * minted when the job is sent). Only the Worker's own code submits the last three.
 */
export type JobSecretRef =
  | SecretAddress
  | { system: SystemSecret }
  | { github: string }
  | { chatKey: ChatKeyRef };

/** The job a `chatKey` is minted for: each attempt gets a key of its own, which dies with the job. */
export interface JobAttempt {
  jobId: string;
  attempt: number;
  deadlineAt: number;
}

/** A reference as the hub opens it for one assignment: a `chatKey` bound to its job's attempt. */
export type BoundRef =
  | Exclude<JobSecretRef, { chatKey: ChatKeyRef }>
  | { chatKey: ChatKeyRef; job: JobAttempt };

export const bindRef = (ref: JobSecretRef, job: JobAttempt): BoundRef =>
  "chatKey" in ref ? { chatKey: ref.chatKey, job } : ref;

/** Mints a short-lived token for one of the GitHub App's repositories; throws with a reason. */
export type GitHubTokens = (repository: string) => Promise<string>;
/** Mints a chat member's key for one job's attempt (expiring at its deadline); throws with a reason. */
export type ChatKeys = (ref: ChatKeyRef, job: JobAttempt) => Promise<string>;

export const refKey = (ref: BoundRef) => {
  if ("system" in ref) return `system/${ref.system}`;
  if ("github" in ref) return `github/${ref.github}`;
  if ("chatKey" in ref) return `chat/${ref.chatKey.chatId}/${ref.job.jobId}#${ref.job.attempt}`;
  return `${ref.projectId}/${ref.name}`;
};

/** For error messages: which secret, never its value. */
export const describeRef = (ref: JobSecretRef) => {
  if ("system" in ref) return `System secret ${ref.system}`;
  if ("github" in ref) return `The GitHub token for repository ${ref.github}`;
  if ("chatKey" in ref) return `The API key of chat ${ref.chatKey.chatId}'s member`;
  return `Secret ${ref.name} of project ${ref.projectId}`;
};

/** What a JobSecrets mints on the job's behalf (absent: such references cannot be had). */
export interface Minters {
  github?: GitHubTokens | null;
  chatKeys?: ChatKeys;
}

export class JobSecrets {
  readonly #db: Db;
  readonly #keySpec: string | undefined;
  readonly #system: SystemSecrets;
  readonly #minters: Minters;
  /** Loaded on first use, once per instance (the configuration cannot change under it). */
  #keyring: Promise<Keyring> | null = null;

  constructor(db: Db, keySpec: string | undefined, system: SystemSecrets = {}, minters: Minters = {}) {
    this.#db = db;
    this.#keySpec = keySpec;
    this.#system = system;
    this.#minters = minters;
  }

  /** The values of these secrets (each read and opened once), or why each could not be had. */
  async open(all: readonly BoundRef[]): Promise<Map<string, Opened>> {
    const opened = new Map<string, Opened>();
    const refs: SecretAddress[] = [];
    const tokens: Promise<void>[] = [];
    for (const ref of all) {
      if ("github" in ref || "chatKey" in ref)
        tokens.push(this.#mint(ref).then((result) => void opened.set(refKey(ref), result)));
      else if (!("system" in ref)) refs.push(ref);
      else {
        const value = this.#system[ref.system];
        opened.set(
          refKey(ref),
          value
            ? { ok: true, value }
            : { ok: false, why: `is not configured (set the Worker secret ${ref.system})` },
        );
      }
    }
    await Promise.all(tokens);
    if (refs.length === 0) return opened;
    const rows = await sealedSecrets(this.#db, refs);
    for (const ref of refs) {
      opened.set(refKey(ref), { ok: false, why: "no longer exists (deleted after the job was submitted)" });
    }
    if (rows.length === 0) return opened;
    let keyring: Keyring;
    try {
      keyring = await this.#loadKeyring();
    } catch {
      for (const row of rows) {
        opened.set(refKey(row), {
          ok: false,
          why: "could not be opened: the server's SECRETS_KEY is unusable",
        });
      }
      return opened;
    }
    for (const row of rows) {
      const at = { projectId: row.projectId, name: row.name };
      try {
        opened.set(refKey(at), { ok: true, value: await openSecret(keyring, at, row), pool: row.pool });
      } catch (err) {
        // KeyringError messages name a key version at most; a failed decryption says nothing useful.
        const why =
          err instanceof KeyringError
            ? `could not be opened: ${err.message}`
            : "could not be opened: decryption failed (wrong key or damaged ciphertext)";
        opened.set(refKey(at), { ok: false, why });
      }
    }
    return opened;
  }

  async #mint(ref: Extract<BoundRef, { github: string } | { chatKey: ChatKeyRef }>): Promise<Opened> {
    const { github, chatKeys } = this.#minters;
    const mint =
      "github" in ref
        ? github && (() => github(ref.github))
        : chatKeys && (() => chatKeys(ref.chatKey, ref.job));
    if (!mint) {
      const why =
        "github" in ref
          ? "is not available: no GitHub App is configured (GITHUB_APP_ID)"
          : "is not available here";
      return { ok: false, why };
    }
    try {
      return { ok: true, value: await mint() };
    } catch (err) {
      // GitHub's errors say what GitHub answered or what to set; a chat key's, why the user cannot have one.
      return { ok: false, why: `could not be minted: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  #loadKeyring(): Promise<Keyring> {
    this.#keyring ??= loadKeyring(this.#keySpec).catch((err: unknown) => {
      // The operator's mistake: say what to fix, once; KeyringError messages never echo key material.
      const message = err instanceof KeyringError ? err.message : "unexpected error";
      console.error(`secrets keyring unusable: ${message}`);
      throw err;
    });
    return this.#keyring;
  }
}
