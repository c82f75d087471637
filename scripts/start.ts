/**
 * `npm start`: the local stack on one machine. Applies the D1 migrations to local state, runs the
 * Worker under `wrangler dev` on 127.0.0.1 and one executor daemon connected to it, then prints
 * the API URL and the local admin key.
 *
 * Environment: PORT (default 8787), ORCHESTRATOR_STATE_DIR (default .local: D1/DO state, the
 * generated dev secrets, the local executor's token and log), INSPECTOR_PORT, LOCAL_EXECUTOR=0 to
 * run without the executor. A `.dev.vars` file in the repository, if present, is used instead of
 * the generated secrets.
 *
 * The bot: with TELEGRAM_BOT_TOKEN (environment or .dev.vars) the Worker gets it and a polling
 * bridge feeds the bot's updates to the local webhook, so a real bot works without a public URL.
 * ADMIN_TELEGRAM_IDS names who may approve users; ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL)
 * make the Product-Owner agent real; TELEGRAM_API_ROOT points at another Bot API server.
 * Project repositories are bare repositories under the state dir (`repos/`) unless REPO_BASE_URL
 * names another place.
 */
import { randomBytes } from "node:crypto";
import { existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseEnv } from "node:util";
import { TELEGRAM_WEBHOOK_PATH } from "@codegen-orchestrator/shared";
import {
  adminCall,
  devVarsFile,
  root,
  startExecutor,
  startWorker,
  stopGroup,
  type Worker,
} from "./local-stack.ts";
import { type Bridge, startPollingBridge } from "./telegram-bridge.ts";

const stateDir = path.resolve(root, process.env.ORCHESTRATOR_STATE_DIR ?? ".local");
const port = Number(process.env.PORT ?? 8787);

/** The local executor's token: created once through the API, kept 0600 in the state dir. */
async function localExecutorToken(worker: Worker): Promise<string> {
  const file = path.join(stateDir, "executor.token");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const created = await adminCall<{ token: string }>(worker, "/executors", { name: "local" });
  writeFileSync(file, created.token, { mode: 0o600 });
  return created.token;
}

/** The bot's settings from the environment (or the dev vars file); null without a bot token. */
function telegramSettings() {
  const devVars = parseEnv(readFileSync(devVarsFile(stateDir).file, "utf8"));
  const token = process.env.TELEGRAM_BOT_TOKEN || devVars.TELEGRAM_BOT_TOKEN;
  if (!token) return null;
  const pick = (names: string[]) =>
    Object.fromEntries(
      names.flatMap((name) => (process.env[name] ? [[name, process.env[name] as string]] : [])),
    );
  return {
    token,
    apiRoot: process.env.TELEGRAM_API_ROOT || devVars.TELEGRAM_API_ROOT,
    // A fresh webhook secret per run: only the bridge below calls the local webhook.
    secrets: {
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_WEBHOOK_SECRET: randomBytes(24).toString("base64url"),
      ...pick(["ANTHROPIC_API_KEY"]),
    },
    vars: pick(["TELEGRAM_API_ROOT", "ANTHROPIC_BASE_URL", "ADMIN_TELEGRAM_IDS", "PO_MODEL"]),
  };
}

type Telegram = NonNullable<ReturnType<typeof telegramSettings>>;
type Executor = ReturnType<typeof startExecutor>;

/** The Worker under `wrangler dev`, with the local settings (and the bot's, when there is one). */
function startLocalWorker(telegram: Telegram | null): Promise<Worker> {
  return startWorker({
    port,
    stateDir,
    inspectorPort: process.env.INSPECTOR_PORT ? Number(process.env.INSPECTOR_PORT) : undefined,
    // Project repositories: bare repositories in the state dir unless REPO_BASE_URL names a host.
    vars: {
      REPO_BASE_URL: process.env.REPO_BASE_URL || pathToFileURL(path.join(stateDir, "repos")).href,
      // One machine, its owner's: projects may import local repositories too.
      REPO_ALLOW_LOCAL: process.env.REPO_ALLOW_LOCAL || "true",
      // Nor is there an agent's image: the Developer and the tests run as processes on this host.
      RUN_PROJECT_CODE_ON_HOST: process.env.RUN_PROJECT_CODE_ON_HOST || "true",
      // The bot's /login links point here.
      CONSOLE_URL: process.env.CONSOLE_URL || `http://127.0.0.1:${port}`,
      ...telegram?.vars,
    },
    ...(telegram ? { secrets: telegram.secrets } : {}),
  });
}

/** A path for the banner: relative to the repository when it is inside it. */
const shown = (file: string) => (file.startsWith(root) ? path.relative(root, file) : file);

/** One executor daemon connected to the Worker, its output appended to `logFile`. */
async function startLocalExecutor(worker: Worker, logFile: string): Promise<Executor> {
  const executor = startExecutor({
    origin: worker.origin,
    token: await localExecutorToken(worker),
    capacity: 2,
    labels: { host: "local" },
    dataDir: path.join(stateDir, "executor"),
    output: "pipe",
  });
  const log = openSync(logFile, "a");
  executor.stdout?.on("data", (chunk) => writeFileSync(log, chunk));
  executor.stderr?.on("data", (chunk) => writeFileSync(log, chunk));
  executor.on("exit", (code) => {
    if (code === 3)
      console.error(
        `The local executor was refused (token revoked?). Delete ${shown(path.join(stateDir, "executor.token"))} and restart.`,
      );
  });
  return executor;
}

/** The bridge feeding the bot's updates to the local webhook. */
function startBridge(telegram: Telegram, worker: Worker): Bridge {
  return startPollingBridge({
    token: telegram.token,
    apiRoot: telegram.apiRoot,
    webhookUrl: `${worker.origin}${TELEGRAM_WEBHOOK_PATH}`,
    secret: telegram.secrets.TELEGRAM_WEBHOOK_SECRET,
    log: (line) => console.error(line),
  });
}

async function main(): Promise<void> {
  console.log("→ applying D1 migrations and starting the Worker (wrangler dev)");
  const telegram = telegramSettings();
  const worker = await startLocalWorker(telegram);
  const lines = [
    "",
    "Codegen Orchestrator is running locally.",
    `  API:        ${worker.api}`,
    `  OpenAPI:    ${worker.api}/openapi.json`,
    `  Admin key:  ${worker.adminKey}   (from ${shown(worker.devVarsFile)})`,
    `  Console:    ${(await adminCall<{ url: string }>(worker, "/sign-in-links", {})).url}`,
    "              (a one-time sign-in link, valid 10 minutes; `/login` in the bot makes another)",
    `  Chat:       ${worker.origin}/chat   (${
      process.env.ANTHROPIC_API_KEY
        ? "describe a service there: the whole job runs from the browser"
        : "set ANTHROPIC_API_KEY for the Product-Owner agent"
    })`,
  ];

  let executor: Executor | null = null;
  if (process.env.LOCAL_EXECUTOR !== "0") {
    const logFile = path.join(stateDir, "executor.log");
    executor = await startLocalExecutor(worker, logFile);
    lines.push(`  Executor:   1 local daemon, capacity 2 (log: ${shown(logFile)})`);
  }

  let bridge: Bridge | null = null;
  if (telegram) {
    bridge = startBridge(telegram, worker);
    lines.push("  Telegram:   polling bridge → local webhook (write to your bot)");
  } else {
    lines.push("  Telegram:   off (set TELEGRAM_BOT_TOKEN to talk to your bot locally)");
  }

  lines.push(
    "",
    "Try:",
    `  export CO_KEY=${worker.adminKey}`,
    `  curl -s -H "Authorization: Bearer $CO_KEY" ${worker.api}/users/me`,
    "",
    "Stop with Ctrl-C.",
    "",
  );
  console.log(lines.join("\n"));
  await runUntilStopped(worker, executor, bridge);
}

/** Ctrl-C (or SIGTERM) stops everything; when the Worker ends by itself, its exit code is ours. */
async function runUntilStopped(worker: Worker, executor: Executor | null, bridge: Bridge | null) {
  const shutdown = async () => {
    await bridge?.stop();
    if (executor) await stopGroup(executor, "SIGTERM");
    await worker.stop();
    process.exit(0);
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
  const code = await worker.exited;
  if (executor) await stopGroup(executor, "SIGTERM");
  process.exit(code ?? 0);
}

main().catch((err: Error) => {
  console.error(`npm start failed: ${err.message}`);
  process.exit(1);
});
