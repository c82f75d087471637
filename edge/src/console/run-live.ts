/**
 * The run page's island: every 2 seconds while the run is in progress it reads the run and its
 * timeline from `/api/v1` (the session's cookie; no reload) and redraws the timeline, with each
 * running job's progress as a bar; a step's log follows live (`/jobs/{id}/log/stream`, server-sent
 * events) with its ANSI colours, follow or pause, and the whole log to download; Cancel and the
 * decision forms post to the same API. Data goes into the page as text only (`textContent`),
 * never as markup.
 */
export const RUN_LIVE_SCRIPT = `
const root = document.getElementById("run");
const runId = root.dataset.run;
const ACTIVE = ["queued", "running", "waiting"];
const problem = document.getElementById("problem");
async function api(path, init) {
  const response = await fetch("/api/v1" + path, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((body.error && body.error.message) || response.statusText);
  return body;
}
function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}
function progressCell(text) {
  const td = document.createElement("td");
  if (!text) return td;
  const percent = /\\((\\d+)%\\)/.exec(text);
  if (percent) {
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = Number(percent[1]);
    bar.setAttribute("aria-label", text);
    td.append(bar, " ");
  }
  td.append(text);
  return td;
}
const COLOURS = { 30: "black", 31: "red", 32: "green", 33: "yellow", 34: "blue", 35: "magenta", 36: "cyan",
  37: "white", 90: "gray", 91: "red", 92: "green", 93: "yellow", 94: "blue", 95: "magenta", 96: "cyan", 97: "white" };
const logView = document.getElementById("log");
const logText = document.getElementById("log-text");
let colour = "";
let source = null;
function appendAnsi(text) {
  // Colours (SGR) become spans; every other escape sequence is dropped.
  const parts = text.replace(/\\x1b\\[[0-9;?]*[A-La-ln-z]/g, "").split(/\\x1b\\[([0-9;]*)m/);
  parts.forEach((part, index) => {
    if (index % 2 === 1) {
      for (const code of part.split(";").map(Number)) colour = code === 0 || !part ? "" : COLOURS[code] || colour;
      return;
    }
    // Other control characters (git's NULs, carriage returns) would show as boxes.
    const printable = part.replace(/[\\x00-\\x08\\x0b-\\x1f\\x7f]/g, "");
    if (!printable) return;
    const span = document.createElement("span");
    if (colour) span.className = "ansi-" + colour;
    span.textContent = printable;
    logText.append(span);
  });
  if (document.getElementById("log-follow").checked) logText.scrollTop = logText.scrollHeight;
}
function showLog(step) {
  if (source) source.close();
  logText.replaceChildren();
  colour = "";
  logView.hidden = false;
  document.getElementById("log-title").textContent = "Log: " + step.name;
  document.getElementById("log-download").href = "/api/v1/jobs/" + step.jobId + "/log";
  const state = document.getElementById("log-state");
  state.textContent = "following";
  source = new EventSource("/api/v1/jobs/" + step.jobId + "/log/stream");
  source.addEventListener("log", (event) => appendAnsi(JSON.parse(event.data).chunk));
  source.addEventListener("gap", () => appendAnsi("\\n[… part of the log is only in the full log …]\\n"));
  source.addEventListener("end", (event) => {
    state.textContent = "ended: " + JSON.parse(event.data).status;
    source.close();
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) state.textContent = "stopped";
  };
}
function logCell(step) {
  const td = document.createElement("td");
  if (!step.jobId || !step.logReadable) return td;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary";
  button.textContent = "Log";
  button.setAttribute("aria-label", "Log of " + step.name);
  button.addEventListener("click", () => showLog(step));
  td.append(button);
  return td;
}
const seconds = (ms) => (ms === null ? "running" : (ms / 1000).toFixed(1) + " s");
function render(run, steps) {
  document.getElementById("run-status").textContent = run.status;
  document.getElementById("timeline-body").replaceChildren(...steps.map((step) => {
    const row = document.createElement("tr");
    row.append(cell(step.name), cell(step.status), cell(seconds(step.durationMs)),
      cell("$" + step.costUsd.toFixed(4)), progressCell(step.progress), logCell(step));
    return row;
  }));
  document.getElementById("cancel").hidden = !ACTIVE.includes(run.status);
  document.getElementById("decision").hidden = run.status !== "waiting";
  return ACTIVE.includes(run.status);
}
async function refresh() {
  try {
    const [run, steps] = await Promise.all([api("/runs/" + runId), api("/runs/" + runId + "/steps")]);
    problem.hidden = true;
    if (render(run, steps.items)) setTimeout(refresh, 2000);
  } catch (error) {
    problem.textContent = "Could not refresh the run: " + error.message + ". Reload the page to try again.";
    problem.hidden = false;
  }
}
async function send(path, body) {
  try {
    await api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    await refresh();
  } catch (error) {
    problem.textContent = error.message;
    problem.hidden = false;
  }
}
document.getElementById("cancel").addEventListener("click", () => send("/runs/" + runId + "/cancel", {}));
document.getElementById("decision").addEventListener("submit", (event) => {
  event.preventDefault();
  const choice = event.submitter.value;
  const guidance = event.target.elements.guidance.value.trim();
  send("/runs/" + runId + "/decision", choice === "retry" && guidance ? { choice, guidance } : { choice });
});
// At once: the page's own rows become live ones (with their Log buttons).
refresh();
`;
