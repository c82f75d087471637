/**
 * `npm start`: the local stack on one machine. Applies the D1 migrations to local state, runs the
 * Worker under `wrangler dev` on 127.0.0.1, waits until it answers, and prints the API URL and the
 * local admin key.
 *
 * Environment: PORT (default 8787), ORCHESTRATOR_STATE_DIR (default .local; D1/DO state and the
 * generated dev secrets live there). A `.dev.vars` file in the repository, if present, is used
 * instead of the generated secrets.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";

const root = path.resolve(import.meta.dirname, "..");
const stateDir = path.resolve(root, process.env.ORCHESTRATOR_STATE_DIR ?? ".local");
const port = Number(process.env.PORT ?? 8787);
const persistTo = path.join(stateDir, "wrangler");
const wrangler = path.join(root, "node_modules", ".bin", "wrangler");
const READY_TIMEOUT_MS = 90_000;
// No telemetry or update checks: local runs need no network beyond loopback.
const childEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false" };

/** The dev secrets file: the repository's `.dev.vars`, or one generated once in the state dir. */
function devVarsFile(): { file: string; generated: boolean } {
  const own = path.join(root, ".dev.vars");
  if (existsSync(own)) return { file: own, generated: false };
  const file = path.join(stateDir, "dev.vars");
  if (!existsSync(file)) {
    mkdirSync(stateDir, { recursive: true });
    const adminKey = `co_local_admin_${randomBytes(24).toString("base64url")}`;
    const secretsKey = randomBytes(32).toString("base64");
    writeFileSync(file, `ADMIN_API_KEY=${adminKey}\nSECRETS_KEY=${secretsKey}\n`, { mode: 0o600 });
  }
  return { file, generated: true };
}

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(wrangler, args, {
      cwd: root,
      env: childEnv,
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`wrangler ${args[0]} exited with ${code}`)),
    );
  });
}

async function waitUntilHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`No answer from ${url} within ${READY_TIMEOUT_MS / 1000} s`);
}

async function main(): Promise<void> {
  const vars = devVarsFile();
  const shownFile = vars.file.startsWith(root) ? path.relative(root, vars.file) : vars.file;
  const adminKey = parseEnv(readFileSync(vars.file, "utf8")).ADMIN_API_KEY;
  if (!adminKey) throw new Error(`${vars.file} has no ADMIN_API_KEY; see .dev.vars.example`);

  console.log("→ applying D1 migrations to local state");
  await run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);

  console.log("→ starting the Worker (wrangler dev)");
  const devArgs = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo];
  devArgs.push("--show-interactive-dev-session=false");
  if (process.env.INSPECTOR_PORT) devArgs.push("--inspector-port", process.env.INSPECTOR_PORT);
  if (vars.generated) devArgs.push("--env-file", vars.file);
  const dev = spawn(wrangler, devArgs, { cwd: root, env: childEnv, stdio: ["ignore", "inherit", "inherit"] });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => dev.kill(signal));
  dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 0 : 1)));

  const api = `http://127.0.0.1:${port}/api/v1`;
  await waitUntilHealthy(`${api}/health`, dev);
  console.log(
    [
      "",
      "Codegen Orchestrator is running locally.",
      `  API:        ${api}`,
      `  OpenAPI:    ${api}/openapi.json`,
      `  Admin key:  ${adminKey}   (from ${shownFile})`,
      "",
      "Try:",
      `  export CO_KEY=${adminKey}`,
      `  curl -s -H "Authorization: Bearer $CO_KEY" ${api}/users/me`,
      "",
      "Stop with Ctrl-C.",
      "",
    ].join("\n"),
  );
}

main().catch((err: Error) => {
  console.error(`npm start failed: ${err.message}`);
  process.exit(1);
});
