// The admins' bot pool page: the pool with what each bot serves, a form that refuses a token
// that is not one (never showing it back), a free bot taken out and an assigned one kept; a member
// is refused, and so is a form from another site. Against the real Worker, as a signed-in browser.
// (A token Telegram accepts or refuses is test/bot-pool.test.ts's, with the Bot API on loopback.)
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client.ts";
import { claimBot, registerBot } from "../src/domain/bot-pool.ts";
import { secretsKeyring } from "../src/domain/secrets.ts";
import { browse, formPost, signInWithLink } from "./console-helpers.ts";
import { createProject, createUser, expectStatus } from "./helpers.ts";

const TOKEN = "9101:console-pool-token-abcdefghijklmnop";

describe("console bot pool page", () => {
  it("lists the pool, refuses a malformed token without echoing it, and takes out a free bot", async () => {
    const db = database(env.DB);
    const keyring = await secretsKeyring(env);
    const me = await expectStatus(200, "/users/me");
    const actor = { userId: me.id, role: "admin" as const };
    const owner = await createUser();
    const project = await createProject(owner.key);
    // Claimed first (the first free one), then a second bot that stays free.
    const used = await registerBot(
      db,
      keyring,
      actor,
      { id: 9102, username: "console_used_bot" },
      `${TOKEN}2`,
    );
    await claimBot(db, keyring, { projectId: project.id, variable: "TELEGRAM_BOT_TOKEN", actorId: owner.id });
    const free = await registerBot(db, keyring, actor, { id: 9101, username: "console_free_bot" }, TOKEN);

    const admin = await signInWithLink(await createUser("admin"));
    const page = await browse(admin, "/admin/bots");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("@console_free_bot");
    expect(html).toContain(`<a href="/projects/${project.id}">${project.name} (TELEGRAM_BOT_TOKEN)</a>`);
    expect(html).toContain(`/admin/bots/${free.id}/remove`);
    expect(html).not.toContain(`/admin/bots/${used.id}/remove`);
    expect(html).not.toContain("console-pool-token");

    const bad = await formPost(admin, "/admin/bots", { token: "console-pool-token-no-id" });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain("Token: paste it as @BotFather gives it");
    expect(badHtml).not.toContain("console-pool-token");

    const kept = await formPost(admin, `/admin/bots/${used.id}/remove`, {});
    expect(kept.status).toBe(409);
    const removed = await formPost(admin, `/admin/bots/${free.id}/remove`, {});
    expect(removed.status).toBe(303);
    const left = (await expectStatus(200, "/bots")).items.filter((bot: any) =>
      bot.username.startsWith("console_"),
    );
    expect(left.map((bot: any) => bot.id)).toEqual([used.id]);
  });

  it("refuses a member, page and form alike, and a form from another site", async () => {
    const member = await signInWithLink(await createUser());
    expect((await browse(member, "/admin/bots")).status).toBe(403);
    expect((await formPost(member, "/admin/bots", { token: TOKEN })).status).toBe(403);
    const admin = await signInWithLink(await createUser("admin"));
    expect((await formPost(admin, "/admin/bots", { token: TOKEN }, "cross-site")).status).toBe(403);
  });
});
