/**
 * A project's page: what it is (its spec and acceptance criteria), where it is (repository, URL,
 * deployments), how its service is doing (its monitor's last days and its incidents), what happened (each run's cost over time as a chart, then the runs), its secrets
 * (names only; set or replace through a write-only field; delete) and deleting it, confirmed by
 * typing its slug.
 */
import type { TlsCertificate } from "@codegen-orchestrator/shared";
import type { ProjectDetail } from "../domain/project-detail.ts";
import { CostChart } from "./cost-chart.tsx";
import { LocalTime, Notice, Page, type SignedIn } from "./layout.tsx";
import { Overview } from "./project-overview.tsx";
import { Listing } from "./table.tsx";

const usd = (amount: number) => `$${amount.toFixed(4)}`;

export function ProjectPage(props: {
  user: SignedIn;
  detail: ProjectDetail;
  certificate?: TlsCertificate | null;
  notice?: string | undefined;
}) {
  const { project } = props.detail;
  const base = `/projects/${project.id}`;
  return (
    <Page title={project.name} user={props.user}>
      <p>
        <a href="/">← Projects</a>
      </p>
      <h1>
        {project.name} <span class={`status status-${project.status}`}>{project.status}</span>
      </h1>
      <Notice text={props.notice} />
      <Overview detail={props.detail} certificate={props.certificate ?? null} />
      <Deployments detail={props.detail} />
      <Health detail={props.detail} />
      <Incidents detail={props.detail} />
      <CostChart runs={props.detail.runs} />
      <Runs detail={props.detail} />
      <Secrets detail={props.detail} base={base} />
      <Domain detail={props.detail} base={base} />
      <h2>Delete</h2>
      <form method="post" action={`${base}/delete`}>
        <p class="muted">
          Deleting stops and removes its service, releases its ports, erases its secrets and archives its
          repository. Type the project's slug to confirm.
        </p>
        <label for="confirm">Slug</label>
        <input id="confirm" name="confirm" type="text" autocomplete="off" required />
        <p>
          <button type="submit">Delete {project.name}</button>
        </p>
      </form>
    </Page>
  );
}

function Deployments(props: { detail: ProjectDetail }) {
  return (
    <Listing
      id="deployments"
      title="Deployments"
      empty="None yet: a DevOps run deploys the project once it is built."
      headers={["When", "Status", "Commit", "Server", "URL"]}
      rows={props.detail.deployments.map((row) => [
        <LocalTime at={row.createdAt} />,
        row.status,
        row.commitSha ? <code>{row.commitSha.slice(0, 12)}</code> : "—",
        row.serverName ?? "—",
        row.url ? <a href={row.url}>{row.url}</a> : "—",
      ])}
    />
  );
}

const ms = (value: number | null) => (value === null ? "—" : `${value} ms`);

function Health(props: { detail: ProjectDetail }) {
  return (
    <Listing
      id="health"
      title="Health"
      empty={`Not checked yet: once deployed, its health URL is checked every ${props.detail.project.monitorIntervalS} s (an executor reports the checks hourly, and failures at once).`}
      headers={["Day (UTC)", "Checks", "Uptime", "p50", "p95", "p99"]}
      rows={props.detail.days.map((day) => [
        day.day,
        String(day.checks),
        `${(day.uptime * 100).toFixed(2)} %`,
        ms(day.latencyP50Ms),
        ms(day.latencyP95Ms),
        ms(day.latencyP99Ms),
      ])}
    />
  );
}

const seconds = (from: Date | null, to: Date | null) =>
  from && to ? `${Math.round((to.getTime() - from.getTime()) / 1000)} s` : "—";

function Incidents(props: { detail: ProjectDetail }) {
  return (
    <Listing
      id="incidents"
      title="Incidents"
      empty="None: no failed release, no outage found."
      headers={["Opened", "What", "Steps", "Found in", "Resolved"]}
      rows={props.detail.incidents.map((incident) => [
        <LocalTime at={incident.openedAt} />,
        <>
          {incident.kind}
          <div class="muted">{incident.message.slice(0, 300)}</div>
        </>,
        incident.actions.map((action) => `${action.action}: ${action.outcome.slice(0, 80)}`).join("; ") ||
          "—",
        seconds(incident.startedAt, incident.openedAt),
        incident.resolvedAt ? (
          <>
            <LocalTime at={incident.resolvedAt} /> (
            {seconds(incident.startedAt ?? incident.openedAt, incident.resolvedAt)})
          </>
        ) : (
          "open"
        ),
      ])}
    />
  );
}

function Runs(props: { detail: ProjectDetail }) {
  return (
    <Listing
      id="runs"
      title="Runs"
      empty="None yet: describe the service to the bot, or start one through the API."
      headers={["Started", "Kind", "Status", "Cost"]}
      rows={props.detail.runs.map(({ run, costUsd }) => [
        <a href={`/runs/${run.id}`}>
          <LocalTime at={run.createdAt} />
        </a>,
        run.kind,
        <>
          {run.status}
          {run.error ? <div class="muted">{run.error.slice(0, 300)}</div> : null}
        </>,
        usd(costUsd),
      ])}
    />
  );
}

function Secrets(props: { detail: ProjectDetail; base: string }) {
  const { secrets } = props.detail;
  return (
    <section aria-labelledby="secrets">
      <h2 id="secrets">Secrets</h2>
      <p class="muted">Values are encrypted and never shown again, here or anywhere.</p>
      {secrets.length === 0 ? (
        <p class="muted">No secrets.</p>
      ) : (
        <ul class="secrets">
          {secrets.map((secret) => (
            <li>
              <code>{secret.name}</code>{" "}
              {secret.productionOnly ? <span class="muted">production only</span> : null}{" "}
              <span class="muted">set</span> <LocalTime at={secret.updatedAt} />{" "}
              <form class="inline" method="post" action={`${props.base}/secrets/${secret.name}/delete`}>
                <button class="secondary" type="submit" aria-label={`Delete ${secret.name}`}>
                  Delete
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <form method="post" action={`${props.base}/secrets`}>
        <label for="secret-name">Name</label>
        <input
          id="secret-name"
          name="name"
          type="text"
          required
          pattern="[A-Z_][A-Z0-9_]{0,127}"
          autocomplete="off"
        />
        <label for="secret-value">Value</label>
        <input id="secret-value" name="value" type="password" required autocomplete="new-password" />
        <p>
          <input id="secret-production-only" name="productionOnly" type="checkbox" />{" "}
          <label for="secret-production-only">Production only: never given to a branch's preview</label>
        </p>
        <p>
          <button type="submit">Set secret</button>
        </p>
      </form>
    </section>
  );
}

/** The project's custom domain, set once its DNS points at the server (the API's PUT /projects/{id}/domain). */
function Domain(props: { detail: ProjectDetail; base: string }) {
  const domain = props.detail.project.customDomain;
  return (
    <section aria-labelledby="domain">
      <h2 id="domain">Domain</h2>
      {domain ? (
        <form class="inline" method="post" action={`${props.base}/domain/delete`}>
          <code>{domain}</code>{" "}
          <button class="secondary" type="submit" aria-label={`Remove ${domain}`}>
            Remove
          </button>
        </form>
      ) : (
        <p class="muted">
          Served at its name under its server's base domain. A domain of yours: point it at the server (an A
          record, or a CNAME to that name), then set it here.
        </p>
      )}
      <form method="post" action={`${props.base}/domain`}>
        <label for="domain-name">Domain</label>
        <input id="domain-name" name="domain" type="text" placeholder="shop.example.com" required />
        <p>
          <button type="submit">Set domain</button>
        </p>
      </form>
    </section>
  );
}
