import { describe, expect, it } from "vitest";
import { call, createUser, expectStatus, rowCount } from "./helpers.ts";

/** Each bad request answers its documented 4xx and writes nothing: no project, no audit row. */
async function expectRejected(status: number, code: string, options: Parameters<typeof call>[1]) {
  const member = await createUser();
  const before = { projects: await rowCount("projects"), audit: await rowCount("audit_log") };
  const response = await call("/projects", { method: "POST", key: member.key, ...options });
  const body = await response.json<any>();
  expect(response.status, JSON.stringify(body)).toBe(status);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect({ projects: await rowCount("projects"), audit: await rowCount("audit_log") }).toEqual(before);
  return body;
}

describe("request validation", () => {
  it("answers invalid JSON with 400 invalid_json", async () => {
    await expectRejected(400, "invalid_json", {
      rawBody: '{"name": "x",',
      headers: { "content-type": "application/json" },
    });
  });

  it("answers wrong types with 400 and the path of each failing field", async () => {
    const body = await expectRejected(400, "invalid_request", {
      body: { name: 42, modules: ["ok", 7], repoUrl: "not a url" },
    });
    const paths = body.error.details.issues.map((issue: any) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(["body.name", "body.modules.1", "body.repoUrl"]));
  });

  it("answers unknown fields with 400 naming them", async () => {
    const body = await expectRejected(400, "invalid_request", { body: { name: "ok", ownerTelegramId: 5 } });
    expect(JSON.stringify(body.error.details)).toContain("ownerTelegramId");
  });

  it("answers a missing body with 400 for the required fields", async () => {
    const body = await expectRejected(400, "invalid_request", {
      headers: { "content-type": "application/json" },
    });
    expect(body.error.details.issues.map((issue: any) => issue.path)).toContain("body.name");
  });

  it("answers an oversized body with 413, declared or chunked", async () => {
    const big = JSON.stringify({ name: "x", description: "y".repeat(20_000) });
    await expectRejected(413, "payload_too_large", {
      rawBody: big,
      headers: { "content-type": "application/json" },
    });
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode(" ".repeat(5000)));
        controller.close();
      },
    });
    await expectRejected(413, "payload_too_large", {
      rawBody: chunked,
      headers: { "content-type": "application/json" },
    });
  });

  it("answers a non-JSON content type with 415", async () => {
    await expectRejected(415, "unsupported_media_type", {
      rawBody: "name=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    await expectRejected(415, "unsupported_media_type", { rawBody: '{"name":"x"}', headers: {} });
  });

  it("answers bad path and query parameters with 400, unknown routes with 404", async () => {
    const body = await expectStatus(400, "/projects/not-a-ulid");
    expect(body.error.details.issues[0].path).toBe("path.id");
    await expectStatus(400, "/projects?limit=0");
    await expectStatus(400, "/projects?limit=abc");
    const missing = await expectStatus(404, "/no-such-route");
    expect(missing.error.code).toBe("not_found");
  });

  it("never answers 500 to garbage", async () => {
    const member = await createUser();
    const garbage: [string, string, string | undefined][] = [
      ["POST", "/projects", "null"],
      ["POST", "/projects", "[]"],
      ["POST", "/projects", '"string"'],
      ["POST", "/projects", "1e999"],
      ["POST", "/projects", '{"name":"\\ud800"}'],
      ["POST", "/projects", '{"name":"ok","modules":["\\udfff"]}'],
      ["POST", "/projects", `{"name":"${"a".repeat(200)}"}`],
      ["PATCH", "/projects/01ARZ3NDEKTSV4RRFFQ69G5FAV", '{"status":"nope"}'],
      ["PUT", "/projects/01ARZ3NDEKTSV4RRFFQ69G5FAV/secrets/lower", '{"value":"x"}'],
      ["POST", "/allocations", '{"projectId":"01ARZ3NDEKTSV4RRFFQ69G5FAV","service":"web","memoryMb":-1}'],
      ["POST", "/api-keys", '{"name":"k","scopes":[]}'],
      ["GET", "/projects?cursor=%00", undefined],
      ["DELETE", "/api-keys/%F0%9F%92%A9", undefined],
    ];
    for (const [method, path, rawBody] of garbage) {
      const response = await call(path, {
        method,
        key: member.key,
        rawBody,
        headers: rawBody ? { "content-type": "application/json" } : {},
      });
      expect(response.status, `${method} ${path} ${rawBody}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${method} ${path} ${rawBody}`).toBeLessThan(500);
      expect((await response.json<any>()).error.code).toBeTypeOf("string");
    }
  });
});
