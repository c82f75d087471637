/**
 * The console's page frame: a header with the product's name and, when signed in, who is signed
 * in and the sign-out buttons; a small inline stylesheet (no external fonts or scripts) that
 * follows the system's light or dark scheme and works from phone to desktop widths.
 */
import type { Child } from "hono/jsx";

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1d21; --bg: #ffffff; --muted: #5b6170; --line: #d9dce3;
  --accent: #2457c5; --accent-fg: #ffffff; --error: #b3261e; --ok: #1d6b35; --panel: #f5f6f8;
  --kind-engineering: #2457c5; --kind-devops: #1d6b35; --kind-undeploy: #9a5b00; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e8ec; --bg: #15171b; --muted: #a3a9b6;
  --line: #343843; --accent: #8fb2ff; --accent-fg: #10131a; --error: #ffb4ab; --ok: #8fd9a0;
  --panel: #1e2127; --kind-engineering: #8fb2ff; --kind-devops: #8fd9a0; --kind-undeploy: #ffc46b; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; justify-content: space-between;
  padding: .75rem 1rem; border-bottom: 1px solid var(--line); }
header .brand { font-weight: 600; color: inherit; text-decoration: none; }
header nav { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
main { max-width: 44rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; }
p, li { color: var(--fg); } .muted { color: var(--muted); }
a { color: var(--accent); }
form.inline { display: inline; margin: 0; }
label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
input[type=password], input[type=text], input[type=number], textarea, form.stacked select { width: 100%;
  padding: .6rem .7rem; font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line);
  border-radius: .4rem; }
fieldset { border: 1px solid var(--line); border-radius: .4rem; margin: 1rem 0 0; padding: .5rem .8rem .8rem; }
legend { font-weight: 600; padding: 0 .25rem; }
.choices { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; }
.fields { display: grid; gap: 0 1rem; grid-template-columns: repeat(auto-fill, minmax(min(100%, 15rem), 1fr)); }
.hint { color: var(--muted); font-size: .9rem; margin: .25rem 0 0; }
button { font: inherit; padding: .5rem .9rem; border-radius: .4rem; border: 1px solid var(--accent);
  background: var(--accent); color: var(--accent-fg); cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); }
button.danger { background: var(--error); border-color: var(--error); color: var(--bg); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.error { color: var(--error); border: 1px solid var(--error); border-radius: .4rem; padding: .6rem .8rem; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; }
main:has(.cards), main:has(.wide) { max-width: 72rem; }
main:has(#run), main:has(#chat) { max-width: 60rem; }
.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin-bottom: 1.25rem; }
.filters label { margin-top: 0; }
.filters input, .filters select { padding: .5rem .6rem; font: inherit; color: inherit; background: var(--bg);
  border: 1px solid var(--line); border-radius: .4rem; }
.cards { list-style: none; margin: 0; padding: 0; display: grid; gap: 1rem;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 20rem), 1fr)); }
.cards.single { grid-template-columns: 1fr; }
.card { border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; background: var(--panel); }
.card h2 { margin: 0 0 .5rem; font-size: 1.1rem; display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
.card dl { display: grid; grid-template-columns: auto 1fr; gap: .25rem .75rem; margin: 0; }
.card dt { color: var(--muted); } .card dd { margin: 0; overflow-wrap: anywhere; }
.status { font-size: .8rem; font-weight: 600; border: 1px solid var(--line); border-radius: 1rem; padding: 0 .5rem; }
.status-deployed { color: var(--ok); border-color: var(--ok); }
.status-failed { color: var(--error); border-color: var(--error); }
.facts { display: grid; grid-template-columns: auto 1fr; gap: .25rem 1rem; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; overflow-wrap: anywhere; }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
meter { width: 7rem; max-width: 100%; }
code.token { display: block; padding: .6rem .7rem; border: 1px solid var(--line); border-radius: .4rem;
  background: var(--bg); overflow-wrap: anywhere; user-select: all; }
.state-active { color: var(--ok); } .state-revoked, .state-unreachable, .state-degraded { color: var(--error); }
.pager { margin-top: 1rem; }
pre.command { white-space: pre-wrap; overflow-wrap: anywhere; }
td code { overflow-wrap: break-word; } td code.details { overflow-wrap: anywhere; } td time { white-space: nowrap; }
@media (max-width: 40rem) {
  .table.stack table, .table.stack tbody, .table.stack tr { display: block; }
  .table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  .table.stack tr { border-bottom: 1px solid var(--line); padding: .5rem 0; }
  .table.stack td { display: grid; grid-template-columns: 7.5rem minmax(0, 1fr); gap: .75rem; border: 0;
    padding: .15rem 0; }
  .table.stack td::before { content: attr(data-label); color: var(--muted); }
}
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.secrets { padding-left: 1.2rem; } .secrets li { margin: .25rem 0; }
label.inline { display: inline; font-weight: normal; margin: 0; }
textarea { width: 100%; padding: .6rem .7rem; font: inherit; color: inherit; background: var(--bg);
  border: 1px solid var(--line); border-radius: .4rem; resize: vertical; }
.messages { list-style: none; margin: 0 0 1rem; padding: 0; display: flex; flex-direction: column; gap: .6rem;
  max-height: 60vh; overflow-y: auto; }
.message { border: 1px solid var(--line); border-radius: .6rem; padding: .5rem .75rem; max-width: 92%;
  background: var(--panel); }
.message.from-you { align-self: flex-end; background: transparent; }
.message.pending { opacity: .75; }
.message .who { margin: 0 0 .25rem; font-size: .8rem; color: var(--muted); }
.message .text { white-space: pre-wrap; overflow-wrap: anywhere; }
.message pre { white-space: pre-wrap; margin: .25rem 0; }
.options { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .5rem; }
pre.log { background: #101216; color: #e6e8ec; padding: .75rem; border-radius: .4rem; max-height: 28rem;
  overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; font-size: .85rem; }
svg.chart { display: block; width: 100%; height: auto; }
.chart text { fill: var(--muted); font-size: 13px; } .chart .grid { stroke: var(--line); }
@media (max-width: 40rem) { .chart text { font-size: 17px; } }
.chart .slot { fill: transparent; } .chart .run:hover .slot { fill: var(--panel); }
.kind-engineering { fill: var(--kind-engineering); background: var(--kind-engineering); }
.kind-devops { fill: var(--kind-devops); background: var(--kind-devops); }
.kind-undeploy { fill: var(--kind-undeploy); background: var(--kind-undeploy); }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: .25rem 0 0; padding: 0; }
.legend .swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: .15rem; margin-right: .4rem; }
.ansi-black { color: #9aa0aa; } .ansi-red { color: #ff8a80; } .ansi-green { color: #8fd9a0; }
.ansi-yellow { color: #ffd479; } .ansi-blue { color: #8fb2ff; } .ansi-magenta { color: #e1a6ff; }
.ansi-cyan { color: #7fdbe6; } .ansi-white { color: #ffffff; } .ansi-gray { color: #b0b6c0; }
`;

/**
 * Times in the browser's own time zone (the server writes UTC, the fallback): each `<time>` shown,
 * each `[data-time-zone]` naming the zone, and each `input[data-utc-of]` filled on submit with the
 * UTC instant of the local date-time field it names (a GET form's time range).
 */
const LOCAL_TIMES = `for (const t of document.querySelectorAll("time[datetime]"))
  t.textContent = new Date(t.dateTime).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
for (const z of document.querySelectorAll("[data-time-zone]")) z.textContent = zone;
for (const utc of document.querySelectorAll("input[data-utc-of]")) {
  const local = document.getElementById(utc.dataset.utcOf);
  utc.form.addEventListener("submit", () => {
    utc.value = local && local.value ? new Date(local.value).toISOString() : "";
  });
}`;

/** A time, in UTC until the page's script shows it in the browser's zone. */
export function LocalTime(props: { at: Date }) {
  const iso = props.at.toISOString();
  return <time datetime={iso}>{`${iso.slice(0, 16).replace("T", " ")} UTC`}</time>;
}

/** What a change did, said at the top of the page it led back to; nothing when there is none. */
export function Notice(props: { text?: string | undefined }) {
  return props.text ? (
    <p class="panel" role="status">
      {props.text}
    </p>
  ) : null;
}

/** What went wrong, said where it happened; nothing when nothing did. */
export function Problem(props: { text?: string | undefined }) {
  return props.text ? (
    <p class="error" role="alert">
      {props.text}
    </p>
  ) : null;
}

export interface SignedIn {
  name: string;
  role: string;
}

export function Page(props: { title: string; user?: SignedIn | undefined; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${props.title} · Codegen Orchestrator`}</title>
        {/* Our own constant stylesheet: nothing from a request is in it. */}
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        <header>
          <a class="brand" href="/">
            Codegen Orchestrator
          </a>
          <nav aria-label="Account">
            {props.user ? <a href="/">Projects</a> : null}
            {props.user ? <a href="/chat">Chat</a> : null}
            {props.user ? <a href="/templates">Templates</a> : null}
            <a href="/api/v1/docs">API reference</a>
            {props.user?.role === "admin" ? <AdminLinks /> : null}
            {props.user ? (
              <>
                <span class="muted">
                  Signed in as {props.user.name} ({props.user.role})
                </span>
                <SignOutButtons />
              </>
            ) : null}
          </nav>
        </header>
        <main>{props.children}</main>
        {/* Our own constant script: nothing from a request is in it. */}
        <script dangerouslySetInnerHTML={{ __html: LOCAL_TIMES }} />
      </body>
    </html>
  );
}

function AdminLinks() {
  return (
    <>
      <a href="/admin/executors">Executors</a>
      <a href="/admin/servers">Servers</a>
      <a href="/admin/bots">Bots</a>
      <a href="/admin/users">Users</a>
      <a href="/admin/audit">Audit</a>
    </>
  );
}

function SignOutButtons() {
  return (
    <>
      <form class="inline" method="post" action="/sign-out">
        <button class="secondary" type="submit">
          Sign out
        </button>
      </form>
      <form class="inline" method="post" action="/sign-out/everywhere">
        <button class="secondary" type="submit">
          Sign out everywhere
        </button>
      </form>
    </>
  );
}
