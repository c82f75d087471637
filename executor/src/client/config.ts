/**
 * Where the CLI finds the API and its key: ORCHESTRATOR_URL / ORCHESTRATOR_API_KEY when set, else
 * what `orchestrator login` saved in the user's config directory
 * (`$XDG_CONFIG_HOME/orchestrator/credentials.json`, else `~/.config/…`): a 0600 file in a 0700
 * directory, written whole (a temporary file renamed over it), never holding anything else.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";

export interface Credentials {
  /** The Worker's base URL, without `/api/v1`. */
  url: string;
  key: string;
}

export const DEFAULT_URL = "http://127.0.0.1:8787";

export function configDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || homedir(), ".config");
  return path.join(base, "orchestrator");
}

export const credentialsFile = (env: NodeJS.ProcessEnv) => path.join(configDir(env), "credentials.json");

/** The saved credentials, each part overridden by its variable; null without a key anywhere. */
export async function loadCredentials(env: NodeJS.ProcessEnv): Promise<Credentials | null> {
  const saved = await readSaved(env);
  const key = env.ORCHESTRATOR_API_KEY || saved?.key;
  if (!key) return null;
  return { url: baseUrl(env.ORCHESTRATOR_URL || saved?.url || DEFAULT_URL), key };
}

export async function saveCredentials(env: NodeJS.ProcessEnv, credentials: Credentials): Promise<string> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = credentialsFile(env);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ url: baseUrl(credentials.url), key: credentials.key })}\n`, {
    mode: 0o600,
  });
  await rename(temporary, file);
  return file;
}

/** Removes the saved key; true when there was one. */
export async function forgetCredentials(env: NodeJS.ProcessEnv): Promise<boolean> {
  const existed = (await readSaved(env)) !== null;
  await rm(credentialsFile(env), { force: true });
  return existed;
}

/** `https://x/api/v1/` and `https://x` name the same server. */
export function baseUrl(url: string): string {
  const parsed = new URL(url);
  const pathname = parsed.pathname.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
  return `${parsed.origin}${pathname}`;
}

async function readSaved(env: NodeJS.ProcessEnv): Promise<Partial<Credentials> | null> {
  const text = await readFile(credentialsFile(env), "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  if (text === null) return null;
  const value = JSON.parse(text) as Partial<Credentials>;
  return typeof value === "object" && value !== null ? value : null;
}
