/**
 * The periodic server checks: every minute the cron checks, side by side, each server whose last
 * check is older than SERVER_CHECK_INTERVAL_S. Nothing is held in memory: D1 says which are due
 * (their last check's time), and each check's job is keyed by the server and the interval it falls
 * in, so a sweep the Worker lost half-way finds the same jobs again the next minute.
 *
 *   const checked = await sweepServers(env);   // how many checks reached a verdict
 */
import { database } from "../db/client.ts";
import { dueServers } from "../domain/server-checks.ts";
import type { Env } from "../env.ts";
import { serverSettings } from "../settings/servers.ts";
import { checkServer } from "./check-server.ts";

/** The cron that sweeps (wrangler.toml `[triggers]`). */
export const SERVER_CHECK_CRON = "* * * * *";

export async function sweepServers(env: Env, now = new Date()): Promise<number> {
  const db = database(env.DB);
  const intervalMs = serverSettings.read(env).SERVER_CHECK_INTERVAL_S * 1000;
  const slot = Math.floor(now.getTime() / intervalMs);
  const due = await dueServers(db, now, intervalMs);
  const checked = await Promise.all(
    due.map((server) =>
      checkServer(env, db, server, `server-check:${server.id}:${slot}`).catch((err) => {
        console.error(JSON.stringify({ task: "sweepServers", serverId: server.id, error: String(err) }));
        return null;
      }),
    ),
  );
  return checked.filter((each) => each !== null).length;
}
