/**
 * Admins' users page: everyone, newest first, with what each may do (role) and whether they may
 * (status), and what their projects spent this month against their budget (domain/budgets.ts);
 * buttons approve a pending user, block or unblock, and change a role. Each is the domain's
 * `updateUser`, audited like the API's `PATCH /users/{id}`.
 */
import type { Spend } from "@codegen-orchestrator/shared";
import type { Context } from "hono";
import { z } from "zod";
import { costsOverview } from "../domain/budgets.ts";
import { invalid } from "../domain/errors.ts";
import { latestUsers, type UserRow, updateUser } from "../domain/users.ts";
import { assertMayChange } from "./changes.ts";
import { LocalTime, Notice, Page, type SignedIn } from "./layout.tsx";
import type { PageEnv } from "./page-env.ts";
import { Table } from "./table.tsx";

const SHOWN = 200;

/** What one button asks: a status or a role. */
const Change = z.union([
  z.object({ status: z.enum(["active", "blocked"]) }),
  z.object({ role: z.enum(["admin", "member"]) }),
]);

export async function showUsers(c: Context<PageEnv>) {
  const rows = await latestUsers(c.get("db"), c.get("principal"), SHOWN);
  const spend = await costsOverview(c.get("db"), c.get("principal"), new Date());
  return c.html(
    <UsersPage
      user={c.get("user")}
      users={rows}
      spend={new Map(spend.users.map((line) => [line.id, line]))}
      notice={c.req.query("notice")?.slice(0, 200)}
    />,
  );
}

export async function changeUserFromPage(c: Context<PageEnv>) {
  assertMayChange(c);
  const change = Change.safeParse(await c.req.parseBody());
  if (!change.success) throw invalid("Choose a status (active, blocked) or a role (admin, member).");
  const user = await updateUser(c.get("db"), c.get("principal"), c.req.param("id") ?? "", change.data);
  const notice = `${user.name}: ${user.role}, ${user.status}.`;
  return c.redirect(`/admin/users?notice=${encodeURIComponent(notice)}`, 303);
}

/** "$1.2345 of $10.00" (no budget: the spend alone). */
const spentOfBudget = (spend: Spend | undefined) =>
  `$${(spend?.spentUsd ?? 0).toFixed(4)}${spend?.budgetUsd == null ? "" : ` of $${spend.budgetUsd.toFixed(2)}`}`;

function UsersPage(props: {
  user: SignedIn;
  users: UserRow[];
  spend: Map<string, Spend>;
  notice?: string | undefined;
}) {
  return (
    <Page title="Users" user={props.user}>
      <h1 id="users-title">Users</h1>
      <Notice text={props.notice} />
      <Table
        labelledBy="users-title"
        headers={["Name", "Role", "Status", "This month", "Since", "Change"]}
        rows={props.users.map((row) => [
          row.name,
          row.role,
          row.status,
          spentOfBudget(props.spend.get(row.id)),
          <LocalTime at={row.createdAt} />,
          <Actions row={row} />,
        ])}
        stacked
      />
    </Page>
  );
}

function Actions(props: { row: UserRow }) {
  const { row } = props;
  const button = (field: "status" | "role", value: string, label: string) => (
    <form class="inline" method="post" action={`/admin/users/${row.id}`}>
      <button class="secondary" type="submit" name={field} value={value} aria-label={`${label}: ${row.name}`}>
        {label}
      </button>
    </form>
  );
  return (
    <>
      {row.status === "pending" ? button("status", "active", "Approve") : null}{" "}
      {row.status === "blocked"
        ? button("status", "active", "Unblock")
        : button("status", "blocked", "Block")}{" "}
      {row.role === "member"
        ? button("role", "admin", "Make admin")
        : button("role", "member", "Make member")}
    </>
  );
}
