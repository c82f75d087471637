#!/usr/bin/env node
/**
 * `orchestrator`: the command line of Codegen Orchestrator.
 *
 *   ORCHESTRATOR_EXECUTOR_TOKEN=coe_… orchestrator executor --url http://127.0.0.1:8787 --capacity 4
 *   orchestrator scaffold templates/node-service ./hello --data project_name=hello --defaults
 */
import { runExecutorCommand } from "./commands/executor.ts";
import { runScaffoldCommand } from "./commands/scaffold.ts";

const USAGE = `Usage: orchestrator <command> [options]

Commands:
  executor    run an executor daemon connected to a hub (see: orchestrator executor --help)
  scaffold    render a Copier template into a directory (see: orchestrator scaffold --help)
`;

const [command, ...args] = process.argv.slice(2);
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
