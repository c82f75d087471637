/**
 * Admins' executors page: the fleet, each executor's pool, capabilities, load, connection, state
 * and when it was last seen, with Drain / Resume and a Revoke that asks first; a form registers
 * one. The new executor's token is shown on a page of its own, once (`ExecutorTokenPage`).
 */
import { ALL_CAPABILITIES, DEFAULT_POOL, POOL_LABEL } from "@codegen-orchestrator/shared";
import type { ExecutorState } from "../domain/executor-fleet.ts";
import { fleetStatus } from "../domain/executor-fleet.ts";
import { TextField } from "./fields.tsx";
import { LocalTime, Notice, Page, Problem, type SignedIn } from "./layout.tsx";
import { Table } from "./table.tsx";

/** What the register form was sent with, to show it again beside what was wrong. */
export interface ExecutorDraft {
  name: string;
  pool: string;
  capabilities: string[];
}

export const EMPTY_DRAFT: ExecutorDraft = {
  name: "",
  pool: DEFAULT_POOL,
  capabilities: [...ALL_CAPABILITIES],
};

export function ExecutorsPage(props: {
  user: SignedIn;
  executors: ExecutorState[];
  notice?: string | undefined;
  error?: string | undefined;
  draft: ExecutorDraft;
}) {
  return (
    <Page title="Executors" user={props.user}>
      <div class="wide">
        <h1 id="executors-title">Executors</h1>
        <Notice text={props.notice} />
        {props.executors.length === 0 ? (
          <p class="panel">
            No executors yet: no job can run. Register one below, then start its daemon with the token the
            next page shows.
          </p>
        ) : (
          <Table
            labelledBy="executors-title"
            headers={[
              "Name",
              "State",
              "Connected",
              "Last seen",
              "Running",
              "Pool and labels",
              "Capabilities",
              "Change",
            ]}
            rows={props.executors.map((executor) => executorCells(executor))}
            stacked
          />
        )}
        <RegisterForm draft={props.draft} error={props.error} />
      </div>
    </Page>
  );
}

function executorCells(executor: ExecutorState) {
  const status = fleetStatus(executor);
  // The pool is a label too; it has a line of its own.
  const labels = Object.entries(executor.labels)
    .filter(([key]) => key !== POOL_LABEL)
    .map(([key, value]) => `${key}=${value}`);
  return [
    <>
      {executor.name}
      <div class="muted">
        <code>{executor.tokenPrefix}…</code>
      </div>
    </>,
    <span class={`state-${status}`}>{status}</span>,
    executor.connected ? "yes" : "no",
    executor.lastSeenAt ? <LocalTime at={executor.lastSeenAt} /> : <span class="muted">never</span>,
    executor.lastSeenAt ? `${executor.running} of ${executor.capacity}` : "—",
    <>
      {executor.pool}
      {labels.length > 0 ? <div class="muted">{labels.join(", ")}</div> : null}
    </>,
    <>
      allowed: {executor.allowedCapabilities.join(", ")}
      {executor.connected ? (
        <div class="muted">says: {executor.capabilities.join(", ") || "none"}</div>
      ) : null}
    </>,
    <ExecutorActions executor={executor} />,
  ];
}

function ExecutorActions(props: { executor: ExecutorState }) {
  const { executor } = props;
  if (executor.revokedAt)
    return (
      <span class="muted">
        revoked <LocalTime at={executor.revokedAt} />
      </span>
    );
  const base = `/admin/executors/${executor.id}`;
  // The hub keeps the drain flag of executors that have connected; before that there is none to set.
  const action = executor.lastSeenAt ? (executor.draining ? "resume" : "drain") : null;
  return (
    <>
      {action ? (
        <form class="inline" method="post" action={`${base}/${action}`}>
          <button class="secondary" type="submit" aria-label={`${capitalised(action)}: ${executor.name}`}>
            {capitalised(action)}
          </button>
        </form>
      ) : null}{" "}
      <a href={`${base}/revoke`} aria-label={`Revoke: ${executor.name}`}>
        Revoke…
      </a>
    </>
  );
}

const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

function RegisterForm(props: { draft: ExecutorDraft; error?: string | undefined }) {
  const { draft } = props;
  return (
    <section aria-labelledby="register-title">
      <h2 id="register-title">Register an executor</h2>
      <Problem text={props.error} />
      <form class="stacked" method="post" action="/admin/executors">
        <div class="fields">
          <TextField
            id="executor-name"
            name="name"
            label="Name"
            value={draft.name}
            required
            maxlength={63}
            hint="lower-case letters, digits and inner dashes"
          />
          <TextField
            id="executor-pool"
            name="pool"
            label="Pool"
            value={draft.pool}
            required
            maxlength={63}
            hint="it takes this pool's jobs (and their secrets) only"
          />
        </div>
        <fieldset>
          <legend>Capabilities it may advertise</legend>
          <div class="choices">
            {ALL_CAPABILITIES.map((capability) => (
              <label class="inline">
                <input
                  type="checkbox"
                  name="capabilities"
                  value={capability}
                  checked={draft.capabilities.includes(capability)}
                />{" "}
                {capability}
              </label>
            ))}
          </div>
        </fieldset>
        <p>
          <button type="submit">Register the executor</button>
        </p>
      </form>
    </section>
  );
}

/** The new executor's token, on this page only: nothing keeps it but the daemon it is given to. */
export function ExecutorTokenPage(props: {
  user: SignedIn;
  name: string;
  token: string | null;
  origin: string;
}) {
  return (
    <Page title={`Executor ${props.name}`} user={props.user}>
      <h1>Executor {props.name}</h1>
      {props.token ? (
        <>
          <p role="status">
            Registered. This is its token; <strong>it will not be shown again</strong>, here or anywhere.
          </p>
          <h2>Token</h2>
          <code class="token" id="executor-token">
            {props.token}
          </code>
          <p>Save it in a file only the daemon's user can read (mode 0600), then start the daemon with it:</p>
          <pre class="panel command">
            <code>{`orchestrator executor --url ${props.origin} --token-file /etc/orchestrator/executor-token`}</code>
          </pre>
        </>
      ) : (
        <p class="panel">
          Its token was shown once, right after it was registered, and is not kept. If it was lost, revoke
          this executor and register a new one.
        </p>
      )}
      <p>
        <a href="/admin/executors">Back to the executors</a>
      </p>
    </Page>
  );
}

/** The confirm step of a revoke: what it does, and the one button that does it. */
export function RevokeExecutorPage(props: { user: SignedIn; executor: ExecutorState }) {
  const { executor } = props;
  return (
    <Page title={`Revoke ${executor.name}`} user={props.user}>
      <h1>Revoke {executor.name}?</h1>
      <p>
        Its token stops working at once: its connection closes and it cannot reconnect; the jobs it was
        running go back to the queue when their leases run out. This cannot be undone; a new executor needs a
        new registration.
      </p>
      <form method="post" action={`/admin/executors/${executor.id}/revoke`}>
        <button class="danger" type="submit" name="confirm" value="yes">
          Revoke {executor.name}
        </button>{" "}
        <a href="/admin/executors">Keep it</a>
      </form>
    </Page>
  );
}
