/**
 * The templates page's "Template versions" section: each project built from a git template (an
 * admin's list is everyone's; a member's, their own), the version its code is at, the template's
 * latest, and its upgrade to that version (offered, merged, skipped…, with its run and branch);
 * and the admins' button that checks a git template for a newer release now.
 */
import type { ProjectTemplateVersion, Template } from "@codegen-orchestrator/shared";
import { Table } from "./table.tsx";

function upgradeCell(row: ProjectTemplateVersion) {
  const { upgrade } = row;
  if (!upgrade) return row.behind ? "not started" : "";
  return (
    <>
      <a href={`/runs/${upgrade.runId}`}>{upgrade.status}</a>
      {upgrade.branch ? (
        <>
          {" "}
          on <code>{upgrade.branch}</code>
        </>
      ) : null}
      {upgrade.testsPassed === null ? null : upgrade.testsPassed ? ", tests pass" : ", tests fail"}
      {upgrade.conflicts.length > 0 ? `, ${upgrade.conflicts.length} conflict(s)` : null}
    </>
  );
}

export function TemplateVersions(props: { rows: ProjectTemplateVersion[] }) {
  const rows = props.rows.map((row) => [
    <a href={`/projects/${row.project.id}`}>{row.project.name}</a>,
    <code>{row.template.name}</code>,
    row.version ?? "unknown",
    row.latest ?? "",
    row.behind ? "behind" : "up to date",
    upgradeCell(row),
  ]);
  return (
    <section aria-labelledby="template-versions">
      <h2 id="template-versions">Template versions</h2>
      {rows.length === 0 ? (
        <p class="muted">No project is built from a git template yet.</p>
      ) : (
        <Table
          labelledBy="template-versions"
          headers={["Project", "Template", "Its version", "Latest", "", "Upgrade"]}
          rows={rows}
          stacked
        />
      )}
    </section>
  );
}

/** An admin's "check for a newer release" on a ready git template's card. */
export function RecheckForm(props: { template: Template }) {
  const { template } = props;
  if (template.source.kind !== "git" || template.status !== "ready") return null;
  return (
    <form method="post" action={`/templates/${template.id}/check`}>
      <button class="secondary" type="submit">
        Check for a newer release
      </button>{" "}
      <span class="hint">projects behind it are offered their upgrade in their chat</span>
    </form>
  );
}
