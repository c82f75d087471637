import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client.ts";
import { checkBudget, monthStart, offeredRaise } from "../src/domain/budgets.ts";
import { costInsert } from "../src/domain/costs.ts";
import { createProject, createUser, expectStatus } from "./helpers.ts";

const none = { spentUsd: 0, budgetUsd: null };

describe("budget arithmetic", () => {
  it("a step passes while the spend plus its estimate stays within every cap", () => {
    const limits = { project: { spentUsd: 3, budgetUsd: 5 }, user: { spentUsd: 8, budgetUsd: 10 } };
    expect(checkBudget(limits, 0, 2)).toEqual({ over: false });
    // Exactly at the cap is within it; a cent more is not.
    expect(checkBudget(limits, 0, 2.01)).toEqual({
      over: true,
      limit: "project",
      spentUsd: 3,
      capUsd: 5,
      neededUsd: 0.01,
    });
  });

  it("the user's cap counts too, and a run's raise lifts both caps for that run", () => {
    const limits = { project: { spentUsd: 1, budgetUsd: 5 }, user: { spentUsd: 9.5, budgetUsd: 10 } };
    expect(checkBudget(limits, 0, 1)).toMatchObject({
      over: true,
      limit: "user",
      capUsd: 10,
      neededUsd: 0.5,
    });
    expect(checkBudget(limits, 0.5, 1)).toEqual({ over: false });
  });

  it("no budget is no cap; float sums compare as the amounts do", () => {
    expect(checkBudget({ project: none, user: none }, 0, 1e6)).toEqual({ over: false });
    const limits = { project: { spentUsd: 0.1 + 0.2, budgetUsd: 0.4 }, user: none };
    expect(checkBudget(limits, 0, 0.1)).toEqual({ over: false });
  });

  it("the raise offered covers the step, at least the least raise, in whole cents", () => {
    expect(offeredRaise(0.001, 5)).toBe(5);
    expect(offeredRaise(7.123, 5)).toBe(7.13);
  });

  it("months are calendar months, UTC", () => {
    expect(monthStart(new Date("2026-12-31T23:59:59.999Z")).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(monthStart(new Date("2027-01-01T00:00:00.000Z")).toISOString()).toBe("2027-01-01T00:00:00.000Z");
  });
});

const put = (body: unknown, key?: string) => ({ method: "PUT", body, ...(key ? { key } : {}) });

/** A cost booked to the project, now or at `at` (the pipelines book them; here straight into D1). */
async function book(projectId: string, amountUsd: number, at?: Date) {
  const db = database(env.DB);
  await costInsert(db, {
    source: "develop 1",
    amountUsd,
    usage: { input_tokens: 1, output_tokens: 1 },
    projectId,
  });
  if (at)
    await env.DB.prepare("UPDATE costs SET created_at = ? WHERE rowid = (SELECT max(rowid) FROM costs)")
      .bind(at.getTime())
      .run();
}

describe("budgets through the API", () => {
  it("only admins set users' budgets: 403 for a member, even their own", async () => {
    const member = await createUser();
    const other = await createUser();
    const forbidden = await expectStatus(
      403,
      `/users/${other.id}/budget`,
      put({ monthlyBudgetUsd: 100 }, member.key),
    );
    expect(forbidden.error.code).toBe("forbidden");
    await expectStatus(403, `/users/${member.id}/budget`, put({ monthlyBudgetUsd: 100 }, member.key));
    expect(await expectStatus(200, `/users/${member.id}/budget`, put({ monthlyBudgetUsd: 10 }))).toEqual({
      monthlyBudgetUsd: 10,
    });
    await expectStatus(404, "/users/7ZZZZZZZZZZZZZZZZZZZZZZZZZ/budget", put({ monthlyBudgetUsd: 1 }));
  });

  it("refuses a budget that is not a non-negative number of USD (400)", async () => {
    const member = await createUser();
    for (const body of [
      { monthlyBudgetUsd: -1 },
      { monthlyBudgetUsd: "ten" },
      {},
      { monthlyBudgetUsd: 1, extra: 1 },
    ]) {
      const refused = await expectStatus(400, `/users/${member.id}/budget`, put(body));
      expect(refused.error.code).toBe("invalid_request");
    }
  });

  it("an owner sets their project's budget up to their own; an admin any; others' projects are not found", async () => {
    const owner = await createUser();
    const stranger = await createUser();
    const project = await createProject(owner.key);
    await expectStatus(200, `/users/${owner.id}/budget`, put({ monthlyBudgetUsd: 10 }));
    await expectStatus(200, `/projects/${project.id}/budget`, put({ monthlyBudgetUsd: 5 }, owner.key));
    const above = await expectStatus(
      403,
      `/projects/${project.id}/budget`,
      put({ monthlyBudgetUsd: 20 }, owner.key),
    );
    expect(above.error.message).toContain("$10.00");
    await expectStatus(403, `/projects/${project.id}/budget`, put({ monthlyBudgetUsd: null }, owner.key));
    await expectStatus(404, `/projects/${project.id}/budget`, put({ monthlyBudgetUsd: 1 }, stranger.key));
    await expectStatus(200, `/projects/${project.id}/budget`, put({ monthlyBudgetUsd: 20 }));
    const mine = await expectStatus(200, "/costs", { key: owner.key });
    expect(mine.projects).toEqual([{ id: project.id, name: project.slug, spentUsd: 0, budgetUsd: 20 }]);
  });

  it("shows this month's spend against budget: the caller's, and everyone's to admins", async () => {
    const owner = await createUser();
    const first = await createProject(owner.key);
    const second = await createProject(owner.key);
    await expectStatus(200, `/users/${owner.id}/budget`, put({ monthlyBudgetUsd: 10 }));
    await expectStatus(200, `/projects/${first.id}/budget`, put({ monthlyBudgetUsd: 4 }, owner.key));
    await book(first.id, 1.25);
    await book(first.id, 0.5);
    await book(second.id, 2);
    // Last month's spend counts against last month's budget only.
    await book(second.id, 7, new Date(monthStart(new Date()).getTime() - 1));

    const mine = await expectStatus(200, "/costs", { key: owner.key });
    expect(mine.month).toBe(new Date().toISOString().slice(0, 7));
    expect(mine.user).toEqual({ spentUsd: 3.75, budgetUsd: 10 });
    const byId = Object.fromEntries(mine.projects.map((p: { id: string }) => [p.id, p]));
    expect(byId[first.id]).toMatchObject({ spentUsd: 1.75, budgetUsd: 4 });
    expect(byId[second.id]).toMatchObject({ spentUsd: 2, budgetUsd: null });

    await expectStatus(403, "/costs/overview", { key: owner.key });
    const all = await expectStatus(200, "/costs/overview");
    expect(all.users.find((u: { id: string }) => u.id === owner.id)).toMatchObject({
      spentUsd: 3.75,
      budgetUsd: 10,
    });
    expect(all.projects.find((p: { id: string }) => p.id === second.id)).toMatchObject({
      ownerId: owner.id,
      spentUsd: 2,
    });
  });
});
