/**
 * A run's page: its timeline (steps, status, duration, cost, the running job's progress), kept
 * live by the page's island (run-live.ts) while the run is in progress; Cancel; and, when the run
 * waits for its user, the decision (retry with guidance, deploy anyway, stop).
 */
import type { RunStep } from "@codegen-orchestrator/shared";
import type { ProjectRow } from "../domain/projects.ts";
import type { RunRow } from "../domain/runs.ts";
import { LocalTime, Page, type SignedIn } from "./layout.tsx";
import { RUN_LIVE_SCRIPT } from "./run-live.ts";
import { Table } from "./table.tsx";

const ACTIVE = new Set(["queued", "running", "waiting"]);

export function RunPage(props: { user: SignedIn; run: RunRow; project: ProjectRow; steps: RunStep[] }) {
  const { run, project } = props;
  return (
    <Page title={`${run.kind} run`} user={props.user}>
      <p>
        <a href={`/projects/${project.id}`}>← {project.name}</a>
      </p>
      <div id="run" data-run={run.id}>
        <h1>
          {run.kind} run{" "}
          <span id="run-status" class={`status status-${run.status}`}>
            {run.status}
          </span>
        </h1>
        <p class="muted">
          Started <LocalTime at={run.createdAt} />
          {run.error ? ` · ${run.error.slice(0, 300)}` : null}
        </p>
        <p id="problem" class="error" role="alert" hidden />
        <p>
          <button id="cancel" class="secondary" type="button" hidden={!ACTIVE.has(run.status)}>
            Cancel the run
          </button>
        </p>
        <Decision hidden={run.status !== "waiting"} />
        <h2 id="timeline">Timeline</h2>
        <Table
          labelledBy="timeline"
          bodyId="timeline-body"
          live
          headers={["Step", "Status", "Duration", "Cost", "Progress", "Log"]}
          rows={props.steps.map((step) => [
            step.name,
            step.status,
            step.durationMs === null ? "running" : `${(step.durationMs / 1000).toFixed(1)} s`,
            `$${step.costUsd.toFixed(4)}`,
            step.progress ?? "",
            step.jobId && step.logReadable ? <a href={`/api/v1/jobs/${step.jobId}/log`}>Log</a> : null,
          ])}
        />
        <LogViewer />
      </div>
      {/* Our own constant script: nothing from a request is in it (the run's id is a data attribute). */}
      <script dangerouslySetInnerHTML={{ __html: RUN_LIVE_SCRIPT }} />
    </Page>
  );
}

function Decision(props: { hidden: boolean }) {
  return (
    <form id="decision" class="panel" hidden={props.hidden} aria-labelledby="decision-title">
      <h2 id="decision-title">The tests still fail: what next?</h2>
      <label for="guidance">Guidance for the Developer (for a retry)</label>
      <input id="guidance" name="guidance" type="text" autocomplete="off" />
      <p>
        <button type="submit" name="choice" value="retry">
          Retry
        </button>{" "}
        <button class="secondary" type="submit" name="choice" value="deploy">
          Deploy anyway
        </button>{" "}
        <button class="secondary" type="submit" name="choice" value="stop">
          Stop
        </button>
      </p>
    </form>
  );
}

function LogViewer() {
  return (
    <section id="log" hidden aria-labelledby="log-title">
      <h2 id="log-title">Log</h2>
      <p>
        <span id="log-state" class="muted" role="status" />{" "}
        <label class="inline">
          <input id="log-follow" type="checkbox" checked /> Follow
        </label>{" "}
        <a id="log-download" href="#log" download>
          Download the whole log
        </a>
      </p>
      <pre id="log-text" class="log" tabindex={0} />
    </section>
  );
}
