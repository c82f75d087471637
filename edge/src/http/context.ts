/** The Hono context the HTTP API and the Telegram webhook share: the Worker's bindings, request variables. */
import type { Context } from "hono";
import type { Db } from "../db/client.ts";
import type { KeyHolder } from "../domain/api-keys.ts";
import type { Env } from "../env.ts";

/** Who is calling: derived from the bearer key alone, never from anything else in the request. */
export type Principal = KeyHolder;

export type AppEnv = {
  Bindings: Env;
  Variables: { principal: Principal; db: Db };
};

export type AppContext = Context<AppEnv>;
