/**
 * The run page's island: every 2 seconds while the run is in progress it reads the run and its
 * timeline from `/api/v1` (the session's cookie; no reload) and redraws the timeline, with each
 * running job's progress as a bar; Cancel and the decision forms post to the same API. Data goes
 * into the page as text only (`textContent`), never as markup.
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
const seconds = (ms) => (ms === null ? "running" : (ms / 1000).toFixed(1) + " s");
function render(run, steps) {
  document.getElementById("run-status").textContent = run.status;
  document.getElementById("timeline-body").replaceChildren(...steps.map((step) => {
    const row = document.createElement("tr");
    row.append(cell(step.name), cell(step.status), cell(seconds(step.durationMs)),
      cell("$" + step.costUsd.toFixed(4)), progressCell(step.progress));
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
if (ACTIVE.includes(document.getElementById("run-status").textContent)) setTimeout(refresh, 2000);
`;
