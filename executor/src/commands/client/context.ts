/**
 * What every API command gets: its streams and environment, `--json`, and the API client (made on
 * first use from ORCHESTRATOR_URL / ORCHESTRATOR_API_KEY or what `login` saved). Errors become
 * one message, the API's own, with a hint of what to do next, and an exit status.
 */
import type { Readable, Writable } from "node:stream";
import { ApiClient, ApiError } from "../../client/api-client.ts";
import { loadCredentials } from "../../client/config.ts";
import { ArgumentError } from "../../client/operation-args.ts";

export interface ClientContext {
  env: NodeJS.ProcessEnv;
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
  json: boolean;
  fetcher?: typeof fetch;
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The client for the saved or given credentials; an ApiError telling to log in without any. */
export async function apiClient(context: ClientContext): Promise<ApiClient> {
  const credentials = await loadCredentials(context.env);
  if (!credentials)
    throw new ApiError(
      401,
      "not_signed_in",
      "No API key: you are not signed in.",
      "Run `orchestrator login` (or set ORCHESTRATOR_API_KEY).",
    );
  return new ApiClient(credentials.url, credentials.key, context.fetcher);
}

/** Writes the API's answer: as JSON with `--json`, else `render`'s text. */
export function print(context: ClientContext, value: unknown, text: () => string): void {
  context.stdout.write(context.json ? `${JSON.stringify(value, null, 2)}\n` : text());
}

/** Runs a command, turning its failure into a message, a hint and an exit status. */
export async function guarded(context: ClientContext, command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (error) {
    if (error instanceof ArgumentError) {
      context.stderr.write(`orchestrator: ${error.message}\n`);
      return EXIT.usage;
    }
    if (!(error instanceof ApiError)) throw error;
    if (context.json) {
      const body = {
        error: { code: error.code, message: error.message, details: error.details },
        hint: error.hint,
      };
      context.stderr.write(`${JSON.stringify(body)}\n`);
    } else {
      context.stderr.write(`orchestrator: ${error.message}\n${issues(error.details)}hint: ${error.hint}\n`);
    }
    return EXIT.failed;
  }
}

/** A 400's failing fields, one per line. */
function issues(details: unknown): string {
  const list = (details as { issues?: { path: string; message: string }[] } | undefined)?.issues ?? [];
  return list.map((issue) => `  ${issue.path}: ${issue.message}\n`).join("");
}
