/**
 * The repositories' reconciliation, whole stack (wrangler dev, its 15-minute cron run through
 * `/__scheduled`, GitHub and Telegram on loopback): a repository on GitHub no project uses and a
 * project whose repository is not on GitHub open one `repository_drift` incident and tell the
 * admin once; a second run tells nothing more; archiving the one and deleting the other resolves
 * it, and the admin is told once more.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_ID, ChatHarness } from "./support/chat.ts";
import { queryD1 } from "./support/d1.ts";
import { type FakeGitHub, startFakeGitHub } from "./support/fake-github.ts";

const OWNER = "acme";
let chat: ChatHarness;
let github: FakeGitHub;
let root: string;

/** Runs the cron's housekeeping (wrangler dev --test-scheduled) and waits for it to end. */
async function housekeeping(): Promise<void> {
  const response = await fetch(
    `${chat.worker.origin}/__scheduled?cron=${encodeURIComponent("*/15 * * * *")}`,
  );
  expect(response.status).toBe(200);
}

const drifts = () =>
  queryD1<{ message: string; resolved_at: number | null }>(
    chat.dir,
    "SELECT message, resolved_at FROM incidents WHERE kind = 'repository_drift' ORDER BY opened_at",
  );
const told = () => chat.telegram.texts(ADMIN_ID).filter((text) => /drift|match again/.test(text));

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "co-repo-sync-"));
  github = await startFakeGitHub({ root, owner: OWNER });
  chat = await ChatHarness.start(
    {
      ...github.appVars,
      // GitHub on loopback: projects name their repositories there.
      REPO_ALLOW_LOCAL: "true",
    },
    { GITHUB_APP_PRIVATE_KEY: github.privateKey },
  );
}, 120_000);

afterAll(async () => {
  await chat?.stop();
  await github?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("repository sync", { timeout: 120_000 }, () => {
  it("reports drift to the admins once, follows it, and resolves it when it is gone", async () => {
    github.addRepository("kept");
    github.addRepository("orphan", { commit: true });
    await chat.api("/projects", { name: "Kept", repoUrl: `${github.gitUrl}/${OWNER}/kept.git` });
    const ghost = await chat.api<{ id: string }>("/projects", {
      name: "Ghost",
      repoUrl: `${github.gitUrl}/${OWNER}/ghost.git`,
    });

    await housekeeping();
    const [opened] = await drifts();
    expect(opened?.resolved_at).toBeNull();
    expect(opened?.message).toBe(
      `Repositories drift from the projects: ${OWNER}/orphan is on GitHub but no project uses it; project ghost: ${OWNER}/ghost is not on GitHub.`,
    );
    expect(told()).toHaveLength(1);
    expect(told()[0]).toContain(`${OWNER}/orphan is on GitHub but no project uses it`);
    expect(told()[0]).not.toContain("kept");

    // Nothing new: nobody is told again. Less drift: the incident says so, still without a message.
    await housekeeping();
    github.archived.add(`${OWNER}/orphan`);
    await housekeeping();
    expect((await drifts()).map((row) => [row.message, row.resolved_at])).toEqual([
      [`Repositories drift from the projects: project ghost: ${OWNER}/ghost is not on GitHub.`, null],
    ]);
    expect(told()).toHaveLength(1);

    await chat.api(`/projects/${ghost.id}`, undefined, "DELETE");
    await housekeeping();
    const [resolved] = await drifts();
    expect(resolved?.resolved_at).not.toBeNull();
    expect(told()).toHaveLength(2);
    expect(told()[1]).toContain("match again");
    // The tokens it used could list repositories and nothing more.
    const listing = github.tokens.filter((token) => token.permissions.metadata === "read");
    expect(listing.length).toBeGreaterThan(0);
    for (const token of listing) expect(token.permissions).toEqual({ metadata: "read" });
  });
});
