/**
 * Admins' users page: everyone, newest first, with what each may do (role) and whether they may
 * (status); buttons approve a pending user, block or unblock, and change a role. Each is the
 * domain's `updateUser`, audited like the API's `PATCH /users/{id}`.
 */
import type { Context } from "hono";
import { z } from "zod";
import { forbidden, invalid } from "../domain/errors.ts";
import { latestUsers, type UserRow, updateUser } from "../domain/users.ts";
import { fromSameOrigin } from "../http/session-cookie.ts";
import { LocalTime, Page, type SignedIn } from "./layout.tsx";
import type { PageEnv } from "./page-env.ts";

const SHOWN = 200;

/** What one button asks: a status or a role. */
const Change = z.union([
  z.object({ status: z.enum(["active", "blocked"]) }),
  z.object({ role: z.enum(["admin", "member"]) }),
]);

export async function showUsers(c: Context<PageEnv>) {
  const rows = await latestUsers(c.get("db"), c.get("principal"), SHOWN);
  return c.html(
    <UsersPage user={c.get("user")} users={rows} notice={c.req.query("notice")?.slice(0, 200)} />,
  );
}

export async function changeUserFromPage(c: Context<PageEnv>) {
  if (!fromSameOrigin(c)) throw forbidden("This form came from another site, so it was refused.");
  const change = Change.safeParse(await c.req.parseBody());
  if (!change.success) throw invalid("Choose a status (active, blocked) or a role (admin, member).");
  const user = await updateUser(c.get("db"), c.get("principal"), c.req.param("id") ?? "", change.data);
  const notice = `${user.name}: ${user.role}, ${user.status}.`;
  return c.redirect(`/admin/users?notice=${encodeURIComponent(notice)}`, 303);
}

function UsersPage(props: { user: SignedIn; users: UserRow[]; notice?: string | undefined }) {
  return (
    <Page title="Users" user={props.user}>
      <h1>Users</h1>
      {props.notice ? (
        <p class="panel" role="status">
          {props.notice}
        </p>
      ) : null}
      <section class="table" tabindex={0} aria-label="Users">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Since</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {props.users.map((row) => (
              <tr>
                <td>{row.name}</td>
                <td>{row.role}</td>
                <td>{row.status}</td>
                <td>
                  <LocalTime at={row.createdAt} />
                </td>
                <td>
                  <Actions row={row} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
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
