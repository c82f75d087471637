/**
 * Admins' audit page: the audit log newest first, a page at a time ("Older" follows the last
 * entry), filtered by actor, action, target and time range with a plain GET form, so the address
 * keeps the filter. The filters are the API's (`GET /api/v1/audit`, `AuditQuery`), read by the
 * same domain function.
 */
import type { AuditLogEntry } from "@codegen-orchestrator/shared";
import { LocalTime, Page, type SignedIn } from "./layout.tsx";
import { Table } from "./table.tsx";

/** The filter as typed: `from`/`to` are local date-times (`since`/`until` their UTC instants). */
export interface AuditFilterText {
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  from: string;
  to: string;
}

const ACTION_FAMILIES = [
  "user",
  "api_key",
  "sign_in_link",
  "project",
  "secret",
  "run",
  "server",
  "allocation",
  "bot",
  "executor",
  "job",
];
const TARGET_TYPES = ["user", "api_key", "project", "run", "server", "bot", "executor", "job", "web_session"];

export function AuditPage(props: {
  user: SignedIn;
  entries: AuditLogEntry[];
  filter: AuditFilterText;
  /** The query of this filter, without a cursor: the older page adds one. */
  query: URLSearchParams;
  nextCursor: string | null;
  paged: boolean;
  error?: string | undefined;
}) {
  const filtered = Object.values(props.filter).some((value) => value !== "");
  return (
    <Page title="Audit log" user={props.user}>
      <div class="wide">
        <h1 id="audit-title">Audit log</h1>
        <FilterForm filter={props.filter} />
        {props.error ? (
          <p class="error" role="alert">
            {props.error}
          </p>
        ) : props.entries.length === 0 ? (
          <EmptyState filtered={filtered} paged={props.paged} />
        ) : (
          <Table
            labelledBy="audit-title"
            headers={["When", "Who", "Action", "Target", "Details"]}
            rows={props.entries.map((entry) => entryCells(entry, props.query))}
            stacked
          />
        )}
        <Pager query={props.query} nextCursor={props.nextCursor} paged={props.paged} />
      </div>
    </Page>
  );
}

/** A link to this filter narrowed by one more field: a click on a cell's value filters by it. */
function narrowed(query: URLSearchParams, fields: Record<string, string>): string {
  const next = new URLSearchParams(query);
  for (const [name, value] of Object.entries(fields)) next.set(name, value);
  return `/admin/audit?${next}`;
}

function entryCells(entry: AuditLogEntry, query: URLSearchParams) {
  const details = entry.details ? JSON.stringify(entry.details) : "";
  return [
    <LocalTime at={new Date(entry.createdAt)} />,
    entry.actorId ? (
      <a href={narrowed(query, { actor: entry.actorId })}>{entry.actorName ?? entry.actorId}</a>
    ) : (
      <a href={narrowed(query, { actor: "system" })}>system</a>
    ),
    <a href={narrowed(query, { action: entry.action })}>{entry.action}</a>,
    <>
      <a href={narrowed(query, { targetType: entry.targetType })}>{entry.targetType}</a>
      {entry.targetId ? (
        <div>
          <a href={narrowed(query, { targetType: entry.targetType, targetId: entry.targetId })}>
            <code>{entry.targetId}</code>
          </a>
        </div>
      ) : null}
    </>,
    details ? (
      <code class="details">{details.length > 300 ? `${details.slice(0, 300)}…` : details}</code>
    ) : (
      ""
    ),
  ];
}

function FilterField(props: {
  name: "actor" | "action" | "targetType" | "targetId";
  label: string;
  value: string;
  list?: string;
}) {
  return (
    <div>
      <label for={`audit-${props.name}`}>{props.label}</label>
      <input
        id={`audit-${props.name}`}
        name={props.name}
        type="text"
        value={props.value}
        list={props.list}
        autocomplete="off"
      />
    </div>
  );
}

function TimeField(props: { name: "from" | "to"; utcName: "since" | "until"; label: string; value: string }) {
  const id = `audit-${props.name}`;
  return (
    <div>
      <label for={id}>{props.label}</label>
      <input id={id} name={props.name} type="datetime-local" value={props.value} />
      {/* Filled on submit by the page's script with the instant in UTC (see layout.tsx). */}
      <input type="hidden" name={props.utcName} value="" data-utc-of={id} />
    </div>
  );
}

function FilterForm(props: { filter: AuditFilterText }) {
  const { filter } = props;
  return (
    <form class="filters" method="get" action="/admin/audit" aria-label="Filter the audit log">
      <FilterField name="actor" label="Actor (user id or system)" value={filter.actor} />
      <FilterField name="action" label="Action or family" value={filter.action} list="audit-actions" />
      <FilterField name="targetType" label="Target type" value={filter.targetType} list="audit-targets" />
      <FilterField name="targetId" label="Target id" value={filter.targetId} />
      <TimeField name="from" utcName="since" label="From" value={filter.from} />
      <TimeField name="to" utcName="until" label="Until" value={filter.to} />
      <button type="submit">Show</button>
      <p class="hint">
        Times are in <span data-time-zone>UTC</span>.{" "}
        {Object.values(filter).some((value) => value !== "") ? (
          <a href="/admin/audit">Clear the filters</a>
        ) : null}
      </p>
      <datalist id="audit-actions">
        {ACTION_FAMILIES.map((family) => (
          <option value={family} />
        ))}
      </datalist>
      <datalist id="audit-targets">
        {TARGET_TYPES.map((type) => (
          <option value={type} />
        ))}
      </datalist>
    </form>
  );
}

function EmptyState(props: { filtered: boolean; paged: boolean }) {
  if (props.paged) return <p class="panel">No older entries.</p>;
  return (
    <p class="panel">
      {props.filtered
        ? "No entry matches these filters: widen the time range, or clear a filter."
        : "The log is empty: each change to users, keys, projects, secrets, servers, executors, runs or jobs adds an entry here."}
    </p>
  );
}

function Pager(props: { query: URLSearchParams; nextCursor: string | null; paged: boolean }) {
  if (!props.nextCursor && !props.paged) return null;
  return (
    <nav class="pager" aria-label="Pages of the audit log">
      {props.paged ? <a href={`/admin/audit?${props.query}`}>Newest</a> : null}{" "}
      {props.nextCursor ? (
        <a href={narrowed(props.query, { cursor: props.nextCursor })} rel="next">
          Older
        </a>
      ) : null}
    </nav>
  );
}
