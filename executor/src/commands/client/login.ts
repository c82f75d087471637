/**
 * `orchestrator login [--url URL]`: asks for an API key (a prompt that shows nothing, or stdin
 * when piped; never argv), checks it with the server (`get_me`), and saves it 0600 in the user's
 * config directory. `orchestrator logout` forgets it.
 */
import { parseArgs } from "node:util";
import { ApiClient } from "../../client/api-client.ts";
import {
  baseUrl,
  DEFAULT_URL,
  forgetCredentials,
  loadCredentials,
  saveCredentials,
} from "../../client/config.ts";
import { ArgumentError } from "../../client/operation-args.ts";
import { readSecret } from "../../client/secret-input.ts";
import { type ClientContext, EXIT, print } from "./context.ts";

export async function runLogin(context: ClientContext, words: string[]): Promise<number> {
  if (words.some((word) => word === "--key" || word.startsWith("--key=")))
    throw new ArgumentError(
      "Never pass the key on the command line (the shell history and every user of the host see it): type it at the prompt, pipe it in, or set ORCHESTRATOR_API_KEY.",
    );
  const { values } = parseArgs({ args: words, strict: true, options: { url: { type: "string" } } });
  const saved = await loadCredentials({ ...context.env, ORCHESTRATOR_API_KEY: "" }).catch(() => null);
  const url = baseUrl(values.url ?? context.env.ORCHESTRATOR_URL ?? saved?.url ?? DEFAULT_URL);
  const key =
    context.env.ORCHESTRATOR_API_KEY ||
    (await readSecret(`API key for ${url}: `, context.stdin, context.stderr)).trim();
  if (!key) throw new ArgumentError("No key given: nothing was saved.");
  const me = await new ApiClient(url, key, context.fetcher).call<{ id: string; name: string; role: string }>(
    "get_me",
  );
  const file = await saveCredentials(context.env, { url, key });
  print(
    context,
    { url, user: me, file },
    () => `Signed in to ${url} as ${me.name} (${me.role}); the key is in ${file}.\n`,
  );
  return EXIT.ok;
}

export async function runLogout(context: ClientContext): Promise<number> {
  const forgot = await forgetCredentials(context.env);
  print(context, { forgot }, () =>
    forgot ? "Signed out: the saved key is deleted.\n" : "No key was saved.\n",
  );
  return EXIT.ok;
}
