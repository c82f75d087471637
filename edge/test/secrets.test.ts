import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { loadKeyring, openSecret, sealSecret } from "../src/secrets/crypto.ts";
import { call, createProject, createUser, expectStatus } from "./helpers.ts";

const CANARY = "canary-Zx81-secret-value-that-must-never-leak";

async function secretRow(projectId: string, name: string) {
  return env.DB.prepare("select * from secrets where project_id = ? and name = ?")
    .bind(projectId, name)
    .first<{ ciphertext: string; iv: string; key_version: number }>();
}

describe("project secrets", () => {
  afterEach(() => vi.restoreAllMocks());

  it("never reach logs or error messages, even when the request is rejected", async () => {
    const logged: unknown[] = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args) => logged.push(args));
    }
    const member = await createUser();
    const project = await createProject(member.key);
    const path = `/projects/${project.id}/secrets/TOKEN`;
    const rejected = [{ value: CANARY, extra: true }, { value: CANARY.repeat(1000) }, { value: [CANARY] }];
    for (const body of rejected) {
      const text = await (await call(path, { method: "PUT", key: member.key, body })).text();
      expect(text).toMatch(/invalid_request|payload_too_large/);
      expect(text).not.toContain(CANARY);
    }
    const malformed = await call(path, {
      method: "PUT",
      key: member.key,
      rawBody: `{"value": "${CANARY}"`,
      headers: { "content-type": "application/json" },
    });
    expect(await malformed.text()).not.toContain(CANARY);
    await expectStatus(200, path, { method: "PUT", key: member.key, body: { value: CANARY } });
    expect(JSON.stringify(logged)).not.toContain(CANARY);
  });

  it("may be marked production only: listed with the mark, kept when a later PUT omits it", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const path = `/projects/${project.id}/secrets/STRIPE_KEY`;
    const set = await expectStatus(200, path, {
      method: "PUT",
      key: member.key,
      body: { value: "live", productionOnly: true },
    });
    expect(set.productionOnly).toBe(true);
    await expectStatus(200, path, { method: "PUT", key: member.key, body: { value: "live-2" } });
    await expectStatus(200, `/projects/${project.id}/secrets/OTHER`, {
      method: "PUT",
      key: member.key,
      body: { value: "x" },
    });
    const list = await expectStatus(200, `/projects/${project.id}/secrets`, { key: member.key });
    expect(list.items.map((item: any) => [item.name, item.productionOnly])).toEqual([
      ["OTHER", false],
      ["STRIPE_KEY", true],
    ]);
    await expectStatus(200, path, {
      method: "PUT",
      key: member.key,
      body: { value: "v", productionOnly: false },
    });
    const after = await expectStatus(200, `/projects/${project.id}/secrets`, { key: member.key });
    expect(after.items.find((item: any) => item.name === "STRIPE_KEY").productionOnly).toBe(false);
    await expectStatus(400, path, {
      method: "PUT",
      key: member.key,
      body: { value: "v", productionOnly: "yes" },
    });
  });

  it("are write-only: no route returns the value, and the audit log never holds it", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const info = await expectStatus(200, `/projects/${project.id}/secrets/API_TOKEN`, {
      method: "PUT",
      key: member.key,
      body: { value: CANARY },
    });
    expect(info).toEqual({
      name: "API_TOKEN",
      productionOnly: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });

    const responses = await Promise.all(
      [
        `/projects/${project.id}/secrets`,
        `/projects/${project.id}`,
        "/projects",
        `/projects/${project.id}/secrets/API_TOKEN`,
        "/openapi.json",
      ].map((path) => call(path, { key: member.key }).then((r) => r.text())),
    );
    for (const text of responses) expect(text).not.toContain(CANARY);
    const listed = await expectStatus(200, `/projects/${project.id}/secrets`, { key: member.key });
    expect(listed.items.map((s: any) => s.name)).toEqual(["API_TOKEN"]);

    const audit = await env.DB.prepare("select * from audit_log").all();
    expect(JSON.stringify(audit.results)).not.toContain(CANARY);
  });

  it("are encrypted at rest and decrypt only for their own project and name", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const other = await createProject(member.key);
    await expectStatus(200, `/projects/${project.id}/secrets/DB_PASSWORD`, {
      method: "PUT",
      key: member.key,
      body: { value: CANARY },
    });
    const row = await secretRow(project.id, "DB_PASSWORD");
    if (!row) throw new Error("secret row missing");
    expect(row.ciphertext).not.toContain(CANARY);
    expect(atob(row.ciphertext)).not.toContain(CANARY);
    expect(row.key_version).toBe(2);

    const keyring = await loadKeyring(env.SECRETS_KEY);
    const sealed = { ciphertext: row.ciphertext, iv: row.iv, keyVersion: row.key_version };
    await expect(openSecret(keyring, { projectId: project.id, name: "DB_PASSWORD" }, sealed)).resolves.toBe(
      CANARY,
    );

    // Copy the ciphertext to another project (and to another name): it must not open there.
    await env.DB.prepare(
      "insert into secrets (id, project_id, name, ciphertext, iv, key_version, created_at, updated_at) values ('01JCOPYCOPYCOPYCOPYCOPYCOP', ?, 'DB_PASSWORD', ?, ?, ?, 0, 0)",
    )
      .bind(other.id, row.ciphertext, row.iv, row.key_version)
      .run();
    const copied = await secretRow(other.id, "DB_PASSWORD");
    if (!copied) throw new Error("copied row missing");
    await expect(
      openSecret(
        keyring,
        { projectId: other.id, name: "DB_PASSWORD" },
        { ...sealed, ...copied, keyVersion: 2 },
      ),
    ).rejects.toThrow();
    await expect(
      openSecret(keyring, { projectId: project.id, name: "OTHER_NAME" }, sealed),
    ).rejects.toThrow();
  });

  it("replace on PUT, keep createdAt, and delete on DELETE", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const path = `/projects/${project.id}/secrets/TOKEN`;
    const first = await expectStatus(200, path, { method: "PUT", key: member.key, body: { value: "one" } });
    const before = await secretRow(project.id, "TOKEN");
    const second = await expectStatus(200, path, { method: "PUT", key: member.key, body: { value: "two" } });
    expect(second.createdAt).toBe(first.createdAt);
    const after = await secretRow(project.id, "TOKEN");
    expect(after?.ciphertext).not.toBe(before?.ciphertext);

    await expectStatus(204, path, { method: "DELETE", key: member.key });
    await expectStatus(404, path, { method: "DELETE", key: member.key });
    const listed = await expectStatus(200, `/projects/${project.id}/secrets`, { key: member.key });
    expect(listed.items).toEqual([]);
  });

  it("still open after a key rotation, and new writes use the new key", async () => {
    const k1 = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));
    const k2 = btoa(String.fromCharCode(...new Uint8Array(32).fill(8)));
    const at = { projectId: "01ARZ3NDEKTSV4RRFFQ69G5FAV", name: "ROTATED" };
    const old = await sealSecret(await loadKeyring(k1), at, CANARY);
    expect(old.keyVersion).toBe(1);
    const rotated = await loadKeyring(`2:${k2},1:${k1}`);
    await expect(openSecret(rotated, at, old)).resolves.toBe(CANARY);
    expect((await sealSecret(rotated, at, CANARY)).keyVersion).toBe(2);
    await expect(openSecret(await loadKeyring(`2:${k2}`), at, old)).rejects.toThrow(/version 1/);
    await expect(loadKeyring("2:AAAA")).rejects.toThrow(/32 bytes/);
  });

  it("validate names and values", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    await expectStatus(400, `/projects/${project.id}/secrets/lower_case`, {
      method: "PUT",
      key: member.key,
      body: { value: "x" },
    });
    await expectStatus(400, `/projects/${project.id}/secrets/OK`, {
      method: "PUT",
      key: member.key,
      body: { value: "" },
    });
  });

  it("are erased when their project is deleted", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    await expectStatus(200, `/projects/${project.id}/secrets/TOKEN`, {
      method: "PUT",
      key: member.key,
      body: { value: CANARY },
    });
    await expectStatus(204, `/projects/${project.id}`, { method: "DELETE", key: member.key });
    expect(await secretRow(project.id, "TOKEN")).toBeNull();
  });
});
