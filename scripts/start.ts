/**
 * `npm start`: the local stack on one machine. Applies the D1 migrations to local state, runs the
 * Worker under `wrangler dev` on 127.0.0.1 and one executor daemon connected to it, then prints
 * the API URL and the local admin key.
 *
 * Environment: PORT (default 8787), ORCHESTRATOR_STATE_DIR (default .local: D1/DO state, the
 * generated dev secrets, the local executor's token and log), INSPECTOR_PORT, LOCAL_EXECUTOR=0 to
 * run without the executor. A `.dev.vars` file in the repository, if present, is used instead of
 * the generated secrets.
 */
import { existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { adminCall, root, startExecutor, startWorker, stopGroup, type Worker } from "./local-stack.ts";

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

async function main(): Promise<void> {
  console.log("→ applying D1 migrations and starting the Worker (wrangler dev)");
  const worker = await startWorker({
    port,
    stateDir,
    inspectorPort: process.env.INSPECTOR_PORT ? Number(process.env.INSPECTOR_PORT) : undefined,
  });
  const shown = (file: string) => (file.startsWith(root) ? path.relative(root, file) : file);
  const lines = [
    "",
    "Codegen Orchestrator is running locally.",
    `  API:        ${worker.api}`,
    `  OpenAPI:    ${worker.api}/openapi.json`,
    `  Admin key:  ${worker.adminKey}   (from ${shown(worker.devVarsFile)})`,
  ];

  let executor: ReturnType<typeof startExecutor> | null = null;
  if (process.env.LOCAL_EXECUTOR !== "0") {
    const logFile = path.join(stateDir, "executor.log");
    executor = startExecutor({
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
    lines.push(`  Executor:   1 local daemon, capacity 2 (log: ${shown(logFile)})`);
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

  const shutdown = async () => {
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
