/**
 * `npm run demo`: the acceptance scenario, played visibly on this machine. Telegram and the model
 * are SIMULATED (loopback servers speaking the Bot API and the Messages API, answering from a
 * script); everything else is real: the Worker under wrangler dev (Workflows, Durable Objects,
 * D1), an executor daemon, the Claude Code CLI, git with a local bare repository, the project's
 * own tests, Ansible over SSH to an sshd on 127.0.0.1. Prints the chat transcript as it happens,
 * then both runs' timelines and the URL, checks `GET <url>/health`, and cleans up.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { missingTools, startScenarioStack } from "../test/support/scenario.ts";
import { printTimeline, TranscriptPrinter } from "./demo-output.ts";

const USER = { id: 7001, first_name: "Ada" };
const SECRET_VALUE = "demo-token-3c9f1e";

async function main(): Promise<void> {
  console.log(
    [
      "Codegen Orchestrator demo: from a chat message to a deployed service.",
      "SIMULATED: Telegram (a loopback Bot API) and the model (a loopback Messages API answering from a script).",
      "REAL: the Worker (wrangler dev: Workflows, Durable Objects, D1), the executor, Claude Code, git,",
      "      the project's tests, Ansible over SSH to 127.0.0.1.",
      "",
    ].join("\n"),
  );
  const missing = missingTools();
  if (missing.length > 0) {
    console.error(`Cannot run the demo: missing ${missing.join(", ")}.`);
    process.exitCode = 1;
    return;
  }
  const started = Date.now();
  console.log("→ starting the Worker, an executor, and an SSH server on 127.0.0.1 registered as a server…");
  const stack = await startScenarioStack();
  const { chat, repos } = stack;
  const transcript = new TranscriptPrinter(chat.telegram, USER.id, [SECRET_VALUE]);
  try {
    await chat.api("/users", { name: USER.first_name, telegramId: USER.id });
    console.log("\n── the chat ─────────────────────────────────────────────────────────────");
    transcript.start();

    const text = "Hi, my name is Ada. I need a URL shortener with a health endpoint";
    transcript.user(text);
    await chat.say(USER, text);
    const question = await transcript.waitFor("Should short links expire?", 60_000);
    transcript.user("(taps) After 30 days");
    await chat.press(USER, "ans:1", question.messageId);
    await transcript.waitFor("Please send the value of", 600_000);
    transcript.user("•••••••• (the token; the bot deletes this message)");
    await chat.say(USER, SECRET_VALUE);
    const live = await transcript.waitFor("is live: ", 600_000);
    transcript.stop();

    const url = /is live: (http:\/\/[^\s<]+)/.exec(live.text)?.[1] ?? "";
    const project = (await chat.api("/projects")).items.find((item: { name: string }) =>
      item.name.includes("Shortener"),
    );
    const runs = (await chat.api(`/projects/${project.id}/runs`)).items.reverse();
    console.log("\n── the runs ─────────────────────────────────────────────────────────────");
    for (const run of runs) printTimeline(run, (await chat.api(`/runs/${run.id}/steps`)).items);
    const health = await fetch(`${url}/health`);
    console.log("\n── the service ──────────────────────────────────────────────────────────");
    console.log(`URL: ${url}`);
    console.log(`GET ${url}/health → ${health.status} ${await health.text()}`);
    console.log(`Repository: ${pathToFileURL(path.join(repos, `${project.slug}.git`)).href}`);
    console.log(
      `\nDone in ${((Date.now() - started) / 1000).toFixed(0)} s. Stopping the service and the stack.`,
    );
  } finally {
    transcript.stop();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`The demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
