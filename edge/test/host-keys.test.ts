/**
 * A server's host key is pinned, or recorded once at first contact where the admin allowed it:
 * an executor's report never replaces a pinned key, and a server the admin did not open for
 * first-use acceptance gets no deploy at all.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client.ts";
import { recordFirstHostKey } from "../src/domain/placements.ts";
import { hostKeyProblem, place } from "../src/pipelines/devops/allocate.ts";
import { createProject, createServer, createUser, expectStatus } from "./helpers.ts";

const KEY = "|1|abc=|def= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const OTHER = "|1|ghi=|jkl= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBOTHERKEYOTHERKEYOTHERKEYOTHERKEYOTHERKEY";

const auditOf = (serverId: string) =>
  env.DB.prepare("select action, details from audit_log where target_id = ? and action = ?")
    .bind(serverId, "server.host_key_recorded")
    .all<{ action: string; details: string }>();

describe("server host keys", () => {
  it("a server with no pinned key and no first-use allowance gets no deploy, saying what to set", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const server = await createServer({ labels: { only: project.id } });
    expect(server).toMatchObject({ knownHosts: null, trustFirstHostKey: false });
    await expectStatus(201, "/allocations", {
      body: { projectId: project.id, service: "web", serverId: server.id },
    });
    const placed = await place(env, database(env.DB), project.id, member.id);
    if (!("placement" in placed)) throw new Error(placed.error);
    expect(hostKeyProblem(placed.placement)).toBe(
      "Its server has no pinned host key yet: an admin sets the server's knownHosts (or allows its first key with trustFirstHostKey), then deploy again.",
    );
    expect(hostKeyProblem({ ...placed.placement, trustFirstHostKey: true })).toBeNull();
    expect(hostKeyProblem({ ...placed.placement, knownHosts: KEY })).toBeNull();
  });

  it("records the first key once where the admin allowed it, audited, and never replaces it", async () => {
    const server = await createServer({ trustFirstHostKey: true });
    await recordFirstHostKey(database(env.DB), server.id, KEY, "run-1");
    expect(await expectStatus(200, `/servers/${server.id}`)).toMatchObject({
      knownHosts: KEY,
      trustFirstHostKey: false,
    });
    // A later report (another executor, a stolen token) changes nothing.
    await recordFirstHostKey(database(env.DB), server.id, OTHER, "run-2");
    expect((await expectStatus(200, `/servers/${server.id}`)).knownHosts).toBe(KEY);
    const { results } = await auditOf(server.id);
    expect(results.map((row) => JSON.parse(row.details))).toEqual([{ knownHosts: KEY, runId: "run-1" }]);
  });

  it("records nothing on a server the admin did not open for it", async () => {
    const server = await createServer();
    await recordFirstHostKey(database(env.DB), server.id, OTHER, "run-3");
    expect((await expectStatus(200, `/servers/${server.id}`)).knownHosts).toBeNull();
    expect((await auditOf(server.id)).results).toEqual([]);
  });
});
