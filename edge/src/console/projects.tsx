/**
 * The projects page, the console's home: each project the member may see with its status, URL,
 * last run and cost, a search and a status filter (a plain GET form: the address keeps them).
 */
import { ProjectStatus } from "@codegen-orchestrator/shared";
import type { ProjectOverview } from "../domain/project-overviews.ts";
import { LocalTime, Page, type SignedIn } from "./layout.tsx";

export interface ProjectsFilter {
  search: string;
  status: string;
}

const usd = (amount: number) => `$${amount.toFixed(2)}`;

export function ProjectsPage(props: {
  user: SignedIn;
  overviews: ProjectOverview[];
  filter: ProjectsFilter;
}) {
  const filtered = props.filter.search !== "" || props.filter.status !== "";
  return (
    <Page title="Projects" user={props.user}>
      <h1>Projects</h1>
      <FilterForm filter={props.filter} />
      {props.overviews.length === 0 ? (
        <EmptyState filtered={filtered} />
      ) : (
        <ul class="cards" aria-label="Projects">
          {props.overviews.map((overview) => (
            <ProjectCard overview={overview} />
          ))}
        </ul>
      )}
    </Page>
  );
}

function FilterForm(props: { filter: ProjectsFilter }) {
  return (
    <form class="filters" method="get" action="/" aria-label="Filter projects">
      <div>
        <label for="q">Search</label>
        <input id="q" name="q" type="search" value={props.filter.search} placeholder="name or slug" />
      </div>
      <div>
        <label for="status">Status</label>
        <select id="status" name="status">
          <option value="" selected={props.filter.status === ""}>
            any
          </option>
          {ProjectStatus.options.map((status) => (
            <option value={status} selected={props.filter.status === status}>
              {status}
            </option>
          ))}
        </select>
      </div>
      <button type="submit">Show</button>
    </form>
  );
}

function EmptyState(props: { filtered: boolean }) {
  return (
    <div class="panel">
      {props.filtered ? (
        <p>
          No project matches. <a href="/">Show all projects</a>.
        </p>
      ) : (
        <p>
          No projects yet. Describe the service you need to the bot in Telegram, or create one with{" "}
          <code>POST /api/v1/projects</code> (see the <a href="/api/v1/docs">API reference</a>).
        </p>
      )}
    </div>
  );
}

function ProjectCard(props: { overview: ProjectOverview }) {
  const { project, url, lastRun, costUsd } = props.overview;
  return (
    <li class="card">
      <h2>
        <a href={`/projects/${project.id}`}>{project.name}</a>{" "}
        <span class={`status status-${project.status}`}>{project.status}</span>
      </h2>
      <dl>
        <dt>Slug</dt>
        <dd>
          <code>{project.slug}</code>
        </dd>
        <dt>URL</dt>
        <dd>{url ? <a href={url}>{url}</a> : <span class="muted">not deployed</span>}</dd>
        <dt>Last run</dt>
        <dd>
          {lastRun ? (
            <>
              {lastRun.kind}, {lastRun.status}, <LocalTime at={lastRun.createdAt} />
            </>
          ) : (
            <span class="muted">none yet</span>
          )}
        </dd>
        <dt>Cost</dt>
        <dd>{usd(costUsd)}</dd>
      </dl>
    </li>
  );
}
