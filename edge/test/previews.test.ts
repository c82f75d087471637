/**
 * Previews' API rules in workerd (no executor: a preview's run waits at its first job): who may
 * ask, which branches make a preview, what a project needs first (a server with a base domain),
 * one audit row per change, the names it gets, and the production-only secrets it never gets.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client.ts";
import { previewNames, previewSlug } from "../src/domain/preview-names.ts";
import { productionOnlySecrets } from "../src/domain/secrets.ts";
import { call, createProject, createServer, createUser, expectStatus, unique } from "./helpers.ts";

const auditRows = async () =>
  (await env.DB.prepare("select count(*) as n from audit_log").first<{ n: number }>())?.n ?? 0;

const runOf = (id: string) =>
  env.DB.prepare("select kind, status from runs where id = ?")
    .bind(id)
    .first<{ kind: string; status: string }>();

/** A member's project with a repository, allocated (as its first deploy would) on a server. */
async function deployedProject(serverFields: Record<string, unknown>) {
  const member = await createUser();
  const project = await createProject(member.key, { repoUrl: `https://git.example.test/${unique("r")}.git` });
  const server = await createServer(serverFields);
  await expectStatus(201, "/allocations", {
    body: { projectId: project.id, service: "web", serverId: server.id },
  });
  return { member, project, server };
}

describe("previews", () => {
  it("name a branch as a DNS label, and the preview apart from any project", () => {
    expect(previewSlug("feature-x")).toBe("feature-x");
    expect(previewSlug("Fix/Login_Form")).toBe("fix-login-form");
    const long = previewSlug(`feature/${"very-long-name-".repeat(5)}`);
    expect(long.length).toBeLessThanOrEqual(30);
    expect(long).toMatch(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/);
    expect(long).not.toBe(previewSlug(`feature/${"very-long-name-".repeat(6)}`));
    expect(previewSlug("___")).toBe("");
    expect(previewNames("shop", "feature-x")).toEqual({
      resourceName: "shop--feature-x",
      label: "feature-x--shop",
    });
    const names = previewNames("a".repeat(63), long);
    for (const name of Object.values(names)) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9][a-z0-9-]*$/);
    }
    expect(names.resourceName).toMatch(/^[a-z]/);
  });

  it("need a deployed project on a server with a base domain, and a branch git accepts", async () => {
    const member = await createUser();
    const project = await createProject(member.key, { repoUrl: "https://git.example.test/p.git" });
    const path = `/projects/${project.id}/previews`;
    const early = await call(path, { method: "POST", key: member.key, body: { branch: "feature-x" } });
    expect(early.status).toBe(409);
    expect((await early.json<any>()).error.details).toEqual({ reason: "not_deployed" });

    const plain = await deployedProject({});
    const noProxy = await call(`/projects/${plain.project.id}/previews`, {
      method: "POST",
      key: plain.member.key,
      body: { branch: "feature-x" },
    });
    expect(noProxy.status).toBe(409);
    expect((await noProxy.json<any>()).error.details).toEqual({ reason: "no_base_domain" });

    const { member: owner, project: shop } = await deployedProject({ baseDomain: "apps.test" });
    const previews = `/projects/${shop.id}/previews`;
    for (const branch of ["", "a..b", "-x", "a b", "x.lock", "a/.b", "x@{1}", "end/", "a~1", "a:b"]) {
      const bad = await call(previews, { method: "POST", key: owner.key, body: { branch } });
      expect(bad.status, branch).toBe(400);
    }
    const unnamed = await call(previews, { method: "POST", key: owner.key, body: { branch: "___" } });
    expect(unnamed.status).toBe(422);
    const other = await createUser();
    const foreign = await call(previews, { method: "POST", key: other.key, body: { branch: "feature-x" } });
    expect(foreign.status).toBe(404);
    const readOnly = await createUser("member", ["read"]);
    const scoped = await call(previews, { method: "POST", key: readOnly.key, body: { branch: "feature-x" } });
    expect(scoped.status).toBe(403);
  });

  it("are deployed and removed by runs of their own, each change with one audit row", async () => {
    // A pinned host key: its teardown waits for an executor (there is none here) rather than failing.
    const { member, project } = await deployedProject({
      baseDomain: "apps.test",
      httpsPort: 8443,
      knownHosts:
        "[192.0.2.1]:22 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    });
    const previews = `/projects/${project.id}/previews`;
    const before = await auditRows();
    const created = await expectStatus(202, previews, {
      method: "POST",
      key: member.key,
      body: { branch: "Feature/X" },
    });
    expect(await auditRows()).toBe(before + 1);
    expect(created).toMatchObject({
      branch: "Feature/X",
      slug: "feature-x",
      url: `https://feature-x--${project.resourceName}.apps.test:8443`,
      commit: null,
      status: "deploying",
    });
    const ttl = Date.parse(created.expiresAt) - Date.parse(created.createdAt);
    expect(ttl).toBe(72 * 3_600_000);
    expect(await runOf(created.runId)).toMatchObject({ kind: "preview" });

    // One deploy at a time; another branch with the same slug is refused.
    const again = await call(previews, { method: "POST", key: member.key, body: { branch: "Feature/X" } });
    expect(again.status).toBe(409);
    expect((await again.json<any>()).error.details).toMatchObject({ reason: "busy" });
    const clash = await call(previews, { method: "POST", key: member.key, body: { branch: "feature-x" } });
    expect((await clash.json<any>()).error.details).toMatchObject({ reason: "slug_taken" });
    // Runs of these kinds are never started by hand.
    const byHand = await call(`/projects/${project.id}/runs`, {
      method: "POST",
      key: member.key,
      body: { kind: "preview" },
    });
    expect(byHand.status).toBe(400);

    const listed = await expectStatus(200, previews, { key: member.key });
    expect(listed.items).toEqual([created]);
    // A deploy cancelled by hand leaves the preview failed, and it may be deployed again.
    await expectStatus(200, `/runs/${created.runId}/cancel`, { method: "POST", key: member.key });
    const cancelled = await expectStatus(200, previews, { key: member.key });
    expect(cancelled.items[0]).toMatchObject({ status: "failed" });
    const redeployed = await expectStatus(202, previews, {
      method: "POST",
      key: member.key,
      body: { branch: "Feature/X" },
    });
    expect(redeployed).toMatchObject({ status: "deploying" });
    expect(redeployed.runId).not.toBe(created.runId);
    const other = await createUser();
    expect((await call(previews, { key: other.key })).status).toBe(404);
    const foreign = await call(`${previews}/feature-x`, { method: "DELETE", key: other.key });
    expect(foreign.status).toBe(404);
    expect((await call(`${previews}/nothing`, { method: "DELETE", key: member.key })).status).toBe(404);

    // Removed by its branch (URL-encoded) or its slug: its deploy cancelled, its teardown queued.
    const beforeDelete = await auditRows();
    const removing = await expectStatus(202, `${previews}/${encodeURIComponent("Feature/X")}`, {
      method: "DELETE",
      key: member.key,
    });
    expect(await auditRows()).toBe(beforeDelete + 1);
    expect(removing).toMatchObject({ branch: "Feature/X", status: "removing" });
    expect(await runOf(redeployed.runId)).toMatchObject({ status: "cancelled" });
    expect(await runOf(removing.runId)).toMatchObject({ kind: "preview_teardown" });
    const twice = await call(`${previews}/feature-x`, { method: "DELETE", key: member.key });
    expect(twice.status).toBe(409);
    // A teardown that ended without removing it (here: cancelled) is tried again.
    await expectStatus(200, `/runs/${removing.runId}/cancel`, { method: "POST", key: member.key });
    const retried = await expectStatus(202, `${previews}/feature-x`, { method: "DELETE", key: member.key });
    expect(retried.status).toBe("removing");
    expect(retried.runId).not.toBe(removing.runId);
    const redeploy = await call(previews, { method: "POST", key: member.key, body: { branch: "Feature/X" } });
    expect(redeploy.status).toBe(409);
  });

  it("never get the secrets marked production only", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    for (const [name, productionOnly] of [
      ["STRIPE_KEY", true],
      ["SESSION_SECRET", false],
    ] as const)
      await expectStatus(200, `/projects/${project.id}/secrets/${name}`, {
        method: "PUT",
        key: member.key,
        body: { value: unique("v"), productionOnly },
      });
    const withheld = await productionOnlySecrets(database(env.DB), project.id, [
      "STRIPE_KEY",
      "SESSION_SECRET",
      "MISSING",
    ]);
    expect([...withheld]).toEqual(["STRIPE_KEY"]);
  });
});
