import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index.ts";
import { createUser, expectStatus } from "./helpers.ts";

describe("cron housekeeping", () => {
  it("revokes keys past their expiry and records it in the audit log", async () => {
    const member = await createUser();
    const created = await expectStatus(201, "/api-keys", {
      key: member.key,
      body: { name: "short", expiresInDays: 1 },
    });
    await expectStatus(200, "/users/me", { key: created.key });

    // Let the key's expiry pass.
    await env.DB.prepare("update api_keys set expires_at = ? where id = ?")
      .bind(Date.now() - 1000, created.id)
      .run();
    await expectStatus(401, "/users/me", { key: created.key });

    await worker.scheduled(createScheduledController({ cron: "*/15 * * * *" }), env);

    const keys = await expectStatus(200, "/api-keys", { key: member.key });
    const expired = keys.items.find((k: any) => k.id === created.id);
    expect(expired.revokedAt).not.toBeNull();
    const audit = await env.DB.prepare("select actor_id, action from audit_log where target_id = ?")
      .bind(created.id)
      .all();
    expect(audit.results).toContainEqual({ actor_id: null, action: "api_key.expire" });
  });
});
