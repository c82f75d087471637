/**
 * The bot pool's routes and D1 operations in workerd (the Bot API itself, on loopback, is
 * test/bot-pool.test.ts's): who may use the routes, what is refused before Telegram is asked,
 * a token never echoed; claiming bots like ports (the project's secret opens to the token), an
 * empty pool, a deleted project that claims nothing and whose bots wait, then go free.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/api/app.ts";
import { database } from "../src/db/client.ts";
import { claimBot, freeBot, registerBot, releasingBots } from "../src/domain/bot-pool.ts";
import { deleteProject } from "../src/domain/project-deletion.ts";
import { findProject } from "../src/domain/projects.ts";
import { secretsKeyring } from "../src/domain/secrets.ts";
import type { Env } from "../src/env.ts";
import { openSecret } from "../src/secrets/crypto.ts";
import { ADMIN_KEY, call, createProject, createUser, expectStatus } from "./helpers.ts";

const CANARY = "4242:canary-bot-token-that-must-never-leak";

/** The app with the Bot API at a loopback port nothing listens on: Telegram unreachable. */
async function unreachableTelegram(body: unknown, settings: Partial<Env> = {}): Promise<Response> {
  const workerEnv: Env = { ...env, TELEGRAM_API_ROOT: "http://127.0.0.1:9", ...settings };
  const request = new Request("http://api.test/api/v1/bots", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify(body),
  });
  const ctx = createExecutionContext();
  const response = await createApp().fetch(request, workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const token = (n: number) => `${9000 + n}:pool-token-${n}-abcdefghijklmnopqrstuv`;

describe("the bot pool's routes", () => {
  afterEach(() => vi.restoreAllMocks());

  it("are for admins, refuse bad tokens without echoing them, and never show one", async () => {
    const logged: unknown[] = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const)
      vi.spyOn(console, level).mockImplementation((...args) => logged.push(args));
    const member = await createUser();
    const forbidden = await call("/bots", { method: "POST", key: member.key, body: { token: CANARY } });
    expect(forbidden.status).toBe(403);
    await expectStatus(403, "/bots", { key: member.key });

    for (const body of [{ token: "no-colon" }, { token: CANARY, extra: 1 }, { token: [CANARY] }, {}]) {
      const text = await (await call("/bots", { method: "POST", body })).text();
      expect(text).toContain("invalid_request");
      expect(text).not.toContain("canary-bot-token");
    }
    const unreachable = await unreachableTelegram({ token: CANARY });
    const text = await unreachable.text();
    expect(unreachable.status, text).toBe(503);
    expect(JSON.parse(text).error.code).toBe("service_unavailable");
    expect(text).not.toContain("canary-bot-token");
    expect(JSON.stringify(logged)).not.toContain("canary-bot-token");

    // The orchestrator's own bot never joins the pool (refused before Telegram is asked).
    const own = await unreachableTelegram({ token: CANARY }, { TELEGRAM_BOT_TOKEN: CANARY });
    expect(own.status).toBe(409);
    const ownText = await own.text();
    expect(ownText).toContain("the orchestrator's own bot");
    expect(ownText).not.toContain("canary-bot-token");

    await expectStatus(404, "/bots/01J00000000000000000000000", { method: "DELETE" });
    await expectStatus(400, "/bots?status=lost");
  });
});

describe("claiming pooled bots", () => {
  it("hands free bots out in order, stores the token as the project's secret, and takes them back", async () => {
    const db = database(env.DB);
    const keyring = await secretsKeyring(env);
    const me = await expectStatus(200, "/users/me");
    const admin = { userId: me.id, role: "admin" as const };
    const owner = await createUser();
    const [first, second, third] = [
      await createProject(owner.key),
      await createProject(owner.key),
      await createProject(owner.key),
    ];
    // Claims take the first free bot: no other test leaves one free.
    expect((await expectStatus(200, "/bots?status=free")).items).toEqual([]);
    const a = await registerBot(db, keyring, admin, { id: 9001, username: "claim_a_bot" }, token(1));
    const b = await registerBot(db, keyring, admin, { id: 9002, username: "claim_b_bot" }, token(2));
    await expect(
      registerBot(db, keyring, admin, { id: 9001, username: "claim_a_bot" }, token(1)),
    ).rejects.toThrow(/in the pool already/);
    const listed = await expectStatus(200, "/bots");
    const mine = (page: { items: any[] }) => page.items.filter((bot) => bot.username.startsWith("claim_"));
    expect(mine(listed).map((bot) => bot.username)).toEqual(["claim_a_bot", "claim_b_bot"]);
    expect(JSON.stringify(listed)).not.toContain("pool-token");

    const claim = (projectId: string) =>
      claimBot(db, keyring, { projectId, variable: "BOT", actorId: owner.id });
    expect(await claim(first.id)).toMatchObject({ id: a.id, token: token(1) });
    // Claiming again for the same variable keeps the project's bot.
    expect(await claim(first.id)).toMatchObject({ id: a.id });
    expect(await claim(second.id)).toMatchObject({ id: b.id, token: token(2) });
    expect(await claim(third.id)).toBeNull();
    const secret = await env.DB.prepare("select * from secrets where project_id = ? and name = 'BOT'")
      .bind(first.id)
      .first<{ ciphertext: string; iv: string; key_version: number }>();
    if (!secret) throw new Error("no secret stored");
    const opened = await openSecret(
      keyring,
      { projectId: first.id, name: "BOT" },
      {
        ciphertext: secret.ciphertext,
        iv: secret.iv,
        keyVersion: secret.key_version,
      },
    );
    expect(opened).toBe(token(1));
    await expectStatus(409, `/bots/${a.id}`, { method: "DELETE" });

    // Deleted, the first project holds its bot until it is given back; a deleted project claims nothing.
    await deleteProject(db, admin, await findProject(db, admin, first.id), { undeploy: true });
    expect(mine(await expectStatus(200, "/bots?status=releasing")).map((bot) => bot.id)).toEqual([a.id]);
    const back = await releasingBots(db, () => Promise.resolve(keyring), first.id);
    expect(back).toEqual([{ id: a.id, username: "claim_a_bot", token: token(1) }]);
    await deleteProject(db, admin, await findProject(db, admin, third.id), { undeploy: false });
    await freeBot(db, a, first.id);
    expect(await claim(third.id)).toBeNull();
    expect(mine(await expectStatus(200, "/bots?status=free")).map((bot) => bot.id)).toEqual([a.id]);
    await expectStatus(204, `/bots/${a.id}`, { method: "DELETE" });
    // One a deleted project still holds (its server not cleaned yet) can be taken out too.
    await expectStatus(409, `/bots/${b.id}`, { method: "DELETE" });
    await deleteProject(db, admin, await findProject(db, admin, second.id), { undeploy: true });
    await expectStatus(204, `/bots/${b.id}`, { method: "DELETE" });
    expect(mine(await expectStatus(200, "/bots"))).toEqual([]);
  });
});
