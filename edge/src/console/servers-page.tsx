/**
 * Admins' servers page: each server with how much of its memory and port range its allocations
 * take, the allocations themselves (project, service, port), and a form that registers a server
 * with what `POST /api/v1/servers` takes. Nothing here is secret: a server row holds no private
 * key (deploys use the operator's `DEPLOY_SSH_KEY`), only the host keys it accepts.
 */
import { AdminServerStatus, type ServerCheck, ServerTls, ServiceManager } from "@codegen-orchestrator/shared";
import type { ServerOverview } from "../domain/server-overviews.ts";
import { TextField } from "./fields.tsx";
import { LocalTime, Notice, Page, Problem, type SignedIn } from "./layout.tsx";
import { Listing, Table } from "./table.tsx";

/** The register form's fields as they were typed, to show them again beside what was wrong. */
export type ServerDraft = Record<(typeof SERVER_TEXT_FIELDS)[number], string> & {
  trustFirstHostKey: boolean;
};

export const SERVER_TEXT_FIELDS = [
  "name",
  "host",
  "sshPort",
  "sshUser",
  "memoryMb",
  "cpuCores",
  "portRangeStart",
  "portRangeEnd",
  "labels",
  "knownHosts",
  "deployRoot",
  "serviceManager",
  "baseDomain",
  "httpsPort",
  "tls",
  "status",
] as const;

export const SERVER_FIELD_LABELS: Record<string, string> = {
  name: "Name",
  host: "Host",
  sshPort: "SSH port",
  sshUser: "SSH user",
  memoryMb: "Memory (MB)",
  cpuCores: "CPU cores",
  portRangeStart: "First port",
  portRangeEnd: "Last port",
  labels: "Labels",
  knownHosts: "Host keys",
  trustFirstHostKey: "Trust the first host key",
  deployRoot: "Deploy root",
  serviceManager: "Service manager",
  baseDomain: "Base domain",
  httpsPort: "HTTPS port",
  tls: "Certificates",
  status: "Status",
};

export const EMPTY_SERVER_DRAFT: ServerDraft = {
  name: "",
  host: "",
  sshPort: "22",
  sshUser: "root",
  memoryMb: "",
  cpuCores: "",
  portRangeStart: "8000",
  portRangeEnd: "8999",
  labels: "",
  knownHosts: "",
  deployRoot: "/srv/apps",
  serviceManager: "auto",
  baseDomain: "",
  httpsPort: "443",
  tls: "acme",
  status: "active",
  trustFirstHostKey: false,
};

export function ServersPage(props: {
  user: SignedIn;
  overviews: ServerOverview[];
  notice?: string | undefined;
  error?: string | undefined;
  draft: ServerDraft;
}) {
  return (
    <Page title="Servers" user={props.user}>
      <div class="wide">
        <h1 id="servers-title">Servers</h1>
        <Notice text={props.notice} />
        {props.overviews.length === 0 ? (
          <p class="panel">
            No servers yet: nothing can be deployed. Register one below; its SSH user must accept the
            operator's deploy key.
          </p>
        ) : (
          <Table
            labelledBy="servers-title"
            headers={[
              "Name",
              "Host",
              "Status",
              "Last check",
              "Memory reserved",
              "Ports in use",
              "CPU cores",
              "Labels",
            ]}
            rows={props.overviews.map(serverCells)}
            stacked
          />
        )}
        <Allocations overviews={props.overviews} />
        <RegisterServerForm draft={props.draft} error={props.error} />
      </div>
    </Page>
  );
}

function serverCells({ server, reservedMb, portsInUse }: ServerOverview) {
  const portCount = server.portRangeEnd - server.portRangeStart + 1;
  const labels = Object.entries(server.labels).map(([key, value]) => `${key}=${value}`);
  return [
    <>
      {server.name}
      {server.knownHosts === null ? null : (
        <form class="inline" method="post" action={`/admin/servers/${server.id}/check`}>
          <button class="secondary" type="submit" aria-label={`Check now: ${server.name}`}>
            Check now
          </button>
        </form>
      )}
    </>,
    <code>{`${server.sshUser}@${server.host}:${server.sshPort}`}</code>,
    <span class={`state-${server.status}`}>{server.status}</span>,
    <LastCheck check={server.lastCheck} />,
    <Usage
      label={`Memory reserved on ${server.name}`}
      used={reservedMb}
      total={server.memoryMb}
      text={`${reservedMb} of ${server.memoryMb} MB`}
    />,
    <Usage
      label={`Ports in use on ${server.name}`}
      used={portsInUse}
      total={portCount}
      text={`${portsInUse} of ${portCount} (${server.portRangeStart}–${server.portRangeEnd})`}
    />,
    String(server.cpuCores),
    labels.length > 0 ? labels.join(", ") : <span class="muted">none</span>,
  ];
}

/** When the periodic check last ran, what it saw, and why the server is not active. */
function LastCheck(props: { check: ServerCheck | null }) {
  const { check } = props;
  if (!check) return <span class="muted">not yet</span>;
  const figures =
    check.diskFreePercent === null
      ? null
      : `disk ${check.diskFreePercent}% free, memory ${check.memoryAvailablePercent}% available, load ${check.loadPerCore} per core${check.serviceManager ? `, ${check.serviceManager}` : ""}`;
  return (
    <>
      <LocalTime at={new Date(check.at)} />
      {figures ? <div>{figures}</div> : null}
      {check.reasons.map((reason) => (
        <div class={`state-${check.outcome}`}>{reason}</div>
      ))}
    </>
  );
}

/** A bar of what is taken of a total, with the numbers beside it for those who do not see bars. */
function Usage(props: { label: string; used: number; total: number; text: string }) {
  return (
    <>
      <meter
        min={0}
        max={props.total}
        value={Math.min(props.used, props.total)}
        high={props.total * 0.8}
        aria-label={props.label}
      />
      <div>{props.text}</div>
    </>
  );
}

function Allocations(props: { overviews: ServerOverview[] }) {
  const rows = props.overviews.flatMap(({ server, allocations }) =>
    allocations.map((allocation) => [
      server.name,
      String(allocation.port),
      allocation.projectDeleted ? (
        <>
          {allocation.projectName} <span class="muted">(deleted: released by its undeploy)</span>
        </>
      ) : (
        <a href={`/projects/${allocation.projectId}`}>{allocation.projectName}</a>
      ),
      allocation.service,
      `${allocation.memoryMb} MB`,
      <LocalTime at={allocation.createdAt} />,
    ]),
  );
  return (
    <Listing
      id="allocations"
      title="Allocations"
      empty="No ports are allocated: a project's first deploy allocates its port on a server here."
      headers={["Server", "Port", "Project", "Service", "Memory", "Since"]}
      rows={rows}
      stacked
    />
  );
}

function ServerField(props: {
  name: (typeof SERVER_TEXT_FIELDS)[number];
  draft: ServerDraft;
  type?: "text" | "number";
  required?: boolean;
  hint?: string;
  step?: string;
}) {
  const { name, draft, ...rest } = props;
  return (
    <TextField
      id={`server-${name}`}
      name={name}
      label={SERVER_FIELD_LABELS[name] ?? name}
      value={draft[name]}
      {...rest}
    />
  );
}

function Choice(props: {
  name: "serviceManager" | "status" | "tls";
  options: readonly string[];
  draft: ServerDraft;
}) {
  const id = `server-${props.name}`;
  return (
    <div>
      <label for={id}>{SERVER_FIELD_LABELS[props.name]}</label>
      <select id={id} name={props.name}>
        {props.options.map((option) => (
          <option value={option} selected={props.draft[props.name] === option}>
            {option}
          </option>
        ))}
      </select>
    </div>
  );
}

function RegisterServerForm(props: { draft: ServerDraft; error?: string | undefined }) {
  const { draft } = props;
  return (
    <section aria-labelledby="register-server-title">
      <h2 id="register-server-title">Register a server</h2>
      <Problem text={props.error} />
      <form class="stacked" method="post" action="/admin/servers">
        <div class="fields">
          <ServerField
            name="name"
            draft={draft}
            required
            hint="lower-case letters, digits and inner dashes"
          />
          <ServerField name="host" draft={draft} required hint="a host name or an IP address" />
          <ServerField name="sshPort" draft={draft} type="number" />
          <ServerField name="sshUser" draft={draft} />
          <ServerField name="memoryMb" draft={draft} type="number" required />
          <ServerField name="cpuCores" draft={draft} type="number" step="any" required />
          <ServerField name="portRangeStart" draft={draft} type="number" />
          <ServerField name="portRangeEnd" draft={draft} type="number" />
          <ServerField name="deployRoot" draft={draft} hint="an absolute path" />
          <ServerField name="labels" draft={draft} hint="key=value, separated by commas" />
          <Choice name="serviceManager" options={ServiceManager.options} draft={draft} />
          <ServerField name="baseDomain" draft={draft} hint="*.<this> points at it: HTTPS per project" />
          <ServerField name="httpsPort" draft={draft} type="number" />
          <Choice name="tls" options={ServerTls.options} draft={draft} />
          <Choice name="status" options={AdminServerStatus.options} draft={draft} />
        </div>
        <label for="server-knownHosts">{SERVER_FIELD_LABELS.knownHosts}</label>
        <textarea id="server-knownHosts" name="knownHosts" rows={3} aria-describedby="server-knownHosts-hint">
          {draft.knownHosts}
        </textarea>
        <p class="hint" id="server-knownHosts-hint">
          known_hosts lines: the only keys a deploy accepts from it (public keys; no private key is asked for
          here)
        </p>
        <p>
          <label class="inline">
            <input type="checkbox" name="trustFirstHostKey" value="yes" checked={draft.trustFirstHostKey} />{" "}
            {SERVER_FIELD_LABELS.trustFirstHostKey}
          </label>{" "}
          <span class="hint">without host keys: record the key it presents at its first deploy</span>
        </p>
        <p>
          <button type="submit">Register the server</button>
        </p>
      </form>
    </section>
  );
}
