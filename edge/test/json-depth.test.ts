import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { TELEGRAM_SECRET_HEADER, TELEGRAM_WEBHOOK_PATH } from "@codegen-orchestrator/shared";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.ts";
import type { Env } from "../src/env.ts";
import { MAX_JSON_DEPTH } from "../src/http/json-body.ts";
import { ADMIN_KEY } from "./helpers.ts";

const WEBHOOK_SECRET = "webhook-secret-for-depth-tests";

/**
 * The Worker's app with the production body limit (wrangler.toml's 64 KiB: a 5,000-deep object
 * does not fit the tests' 16 KiB) and a configured bot, so the webhook reads bodies at all.
 */
async function send(path: string, body: string, headers: Record<string, string>): Promise<Response> {
  const workerEnv: Env = {
    ...env,
    MAX_BODY_BYTES: "65536",
    TELEGRAM_BOT_TOKEN: "123:depth-tests",
    TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
  };
  const request = new Request(`http://api.test${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const ctx = createExecutionContext();
  const response = await createApp().fetch(request, workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const toApi = (body: string) => send("/api/v1/projects", body, { authorization: `Bearer ${ADMIN_KEY}` });
const toWebhook = (body: string) =>
  send(TELEGRAM_WEBHOOK_PATH, body, { [TELEGRAM_SECRET_HEADER]: WEBHOOK_SECRET });

/** `depth` containers, one inside the other: `[[[]]]` is 3 deep, so is `{"a":{"a":{}}}`. */
const nestedArrays = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${"}".repeat(depth - 1)}`;

async function expectTooDeep(response: Response) {
  const body = await response.json<any>();
  expect(response.status, JSON.stringify(body)).toBe(400);
  expect(body.error.code).toBe("invalid_json");
  expect(body.error.message).toContain(`nested more than ${MAX_JSON_DEPTH} levels`);
}

describe("JSON nesting depth", () => {
  for (const [shape, nested] of [
    ["arrays", nestedArrays],
    ["objects", nestedObjects],
  ] as const) {
    it(`answers 5,000-deep ${shape} with 400 invalid_json, on the API and the webhook`, async () => {
      const body = nested(5_000);
      await expectTooDeep(await toApi(body));
      await expectTooDeep(await toWebhook(`{"update_id":1,"extra":${body}}`));
      // One level past the limit is refused the same way, wherever the nesting sits.
      await expectTooDeep(await toApi(`{"name":"x","deep":${nested(MAX_JSON_DEPTH)}}`));
    });
  }

  it(`accepts a body ${MAX_JSON_DEPTH} levels deep`, async () => {
    // The API's own schema then refuses the unknown field: the body got past the JSON guard.
    const api = await toApi(`{"name":"x","deep":${nestedArrays(MAX_JSON_DEPTH - 1)}}`);
    const apiBody = await api.json<any>();
    expect(api.status, JSON.stringify(apiBody)).toBe(400);
    expect(apiBody.error.code).toBe("invalid_request");
    // Telegram's updates carry unknown fields: this one is read and ignored (no chat in it).
    const webhook = await toWebhook(`{"update_id":1,"extra":${nestedObjects(MAX_JSON_DEPTH - 1)}}`);
    expect(webhook.status).toBe(200);
    expect(await webhook.json()).toEqual({ ok: true, outcome: "ignored" });
  });
});
