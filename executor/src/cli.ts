#!/usr/bin/env node
/**
 * `orchestrator`: the command line of Codegen Orchestrator: the executor daemon, the scaffolder,
 * and a client of the API (commands/client/).
 *
 *   ORCHESTRATOR_EXECUTOR_TOKEN=coe_… orchestrator executor --url http://127.0.0.1:8787 --capacity 4
 *   orchestrator scaffold templates/node-service ./hello --data project_name=hello --defaults
 *   orchestrator login --url http://127.0.0.1:8787 && orchestrator projects
 */
import { clientUsage, runClientCommand } from "./commands/client/index.ts";
import { runExecutorCommand } from "./commands/executor.ts";
import { runScaffoldCommand } from "./commands/scaffold.ts";

const USAGE = `Usage: orchestrator <command> [options]

Host commands:
  executor    run an executor daemon connected to a hub (see: orchestrator executor --help)
  scaffold    render a Copier template into a directory (see: orchestrator scaffold --help)

API commands (add --json for the API's JSON; the server and key: login, or ORCHESTRATOR_URL and
ORCHESTRATOR_API_KEY):
${clientUsage()}
`;

const argv = process.argv.slice(2);
const [command, ...args] = argv;
const streams = { env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
const handled =
  command === "executor" || command === "scaffold" ? null : await runClientCommand(argv, streams);
if (handled !== null) process.exitCode = handled;
else
  switch (command) {
    case "executor":
      process.exitCode = await runExecutorCommand(args);
      break;
    case "scaffold":
      process.exitCode = await runScaffoldCommand(args);
      break;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      break;
    default:
      process.stderr.write(`orchestrator: unknown command \`${command}\`\n\n${USAGE}`);
      process.exitCode = 2;
  }
