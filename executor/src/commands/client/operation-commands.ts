/**
 * Commands that are one API operation each, named for people (`projects` is `list_projects`,
 * `deploy <project>` is `start_run` with `kind: devops`), and `api`, which calls any operation by
 * its `operationId`. What each takes comes from the operation in the server's OpenAPI document
 * (operation-args.ts); none is written per route.
 */
import { readFile } from "node:fs/promises";
import type { ApiOperation } from "@codegen-orchestrator/shared";
import type { ApiClient } from "../../client/api-client.ts";
import { ArgumentError, operationArgs, usage } from "../../client/operation-args.ts";
import { render } from "../../client/render.ts";
import { apiClient, type ClientContext, EXIT, print } from "./context.ts";

export interface OperationCommand {
  operation: string;
  summary: string;
  /** Body fields the command sets itself. */
  body?: Record<string, unknown>;
  columns?: string[];
}

export const OPERATION_COMMANDS: Record<string, OperationCommand> = {
  whoami: { operation: "get_me", summary: "who your key belongs to" },
  projects: {
    operation: "list_projects",
    summary: "your projects (admins: everyone's)",
    columns: ["id", "name", "status", "repoUrl", "createdAt"],
  },
  "project show": { operation: "get_project", summary: "a project: `project show <id>`" },
  "project create": {
    operation: "create_project",
    summary: "create a project: `project create --name N [--description D]`",
  },
  "project delete": {
    operation: "delete_project",
    summary: "delete a project (its service is undeployed): `project delete <id>`",
  },
  runs: {
    operation: "list_runs",
    summary: "a project's runs, newest first: `runs <project>`",
    columns: ["id", "kind", "status", "error", "createdAt"],
  },
  "run show": { operation: "get_run", summary: "a run: `run show <id>`" },
  "run start": {
    operation: "start_run",
    summary: "start a run: `run start <project> --kind engineering|devops`",
  },
  deploy: {
    operation: "start_run",
    summary: "deploy a project (a DevOps run): `deploy <project>`",
    body: { kind: "devops" },
  },
  cancel: { operation: "cancel_run", summary: "cancel a run in progress: `cancel <run>`" },
  "secrets list": {
    operation: "list_secrets",
    summary: "a project's secrets, names only: `secrets list <project>`",
    columns: ["name", "productionOnly", "updatedAt"],
  },
  "secrets delete": {
    operation: "delete_secret",
    summary: "delete a secret: `secrets delete <project> <NAME>`",
  },
  executors: { operation: "list_executors", summary: "the executor fleet (admins)" },
  servers: { operation: "list_servers", summary: "the servers (admins)" },
};

export async function runOperationCommand(
  context: ClientContext,
  command: OperationCommand,
  words: string[],
) {
  const client = await apiClient(context);
  const operation = await client.operation(command.operation);
  if (wantsHelp(words)) return help(context, operation);
  const value = await call(client, operation, words, command.body);
  print(context, value, () => render(value, command.columns));
  return EXIT.ok;
}

/** `api`: every operation by name; `api <operationId> …` calls one; `api <operationId> --help`. */
export async function runApiCommand(context: ClientContext, words: string[]): Promise<number> {
  const client = await apiClient(context);
  const [name, ...rest] = words;
  if (!name || name === "--names") {
    const operations = await client.operations();
    if (context.json) {
      const listed = operations.map(({ name, title, method, path }) => ({ name, title, method, path }));
      context.stdout.write(`${JSON.stringify(listed, null, 2)}\n`);
    } else if (name === "--names") {
      // For shell completion: one name a line.
      context.stdout.write(`${operations.map((op) => op.name).join("\n")}\n`);
    } else {
      const width = Math.max(...operations.map((op) => op.name.length));
      context.stdout.write(operations.map((op) => `${op.name.padEnd(width)}  ${op.title}`).join("\n"));
      context.stdout.write(
        "\n\nCall one: orchestrator api <name> [--option value …] [--body JSON|@file|-]\n",
      );
    }
    return EXIT.ok;
  }
  const operation = await client.operation(name);
  if (wantsHelp(rest)) return help(context, operation);
  const { words: remaining, body } = await takeBody(context, rest);
  const value = await call(client, operation, remaining, body);
  print(context, value, () => render(value));
  return EXIT.ok;
}

async function call(
  client: ApiClient,
  operation: ApiOperation,
  words: string[],
  body?: Record<string, unknown>,
) {
  return client.call(operation.name, operationArgs(operation, words, body));
}

function help(context: ClientContext, operation: ApiOperation): number {
  context.stdout.write(`${operation.name} ${usage(operation)}\n\n${operation.description}\n`);
  return EXIT.ok;
}

const wantsHelp = (words: string[]) => words.includes("--help") || words.includes("-h");

/** `--body JSON`, `--body @file` or `--body -` (stdin): the whole request body. */
async function takeBody(context: ClientContext, words: string[]) {
  const at = words.indexOf("--body");
  if (at < 0) return { words, body: undefined };
  const source = words[at + 1];
  if (source === undefined) throw new ArgumentError("`--body` needs JSON, @file or - (stdin).");
  const text =
    source === "-"
      ? await readStdin(context)
      : source.startsWith("@")
        ? await readFile(source.slice(1), "utf8")
        : source;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ArgumentError("`--body` is not JSON.");
  }
  return { words: [...words.slice(0, at), ...words.slice(at + 2)], body: body as Record<string, unknown> };
}

async function readStdin(context: ClientContext): Promise<string> {
  let text = "";
  for await (const chunk of context.stdin) text += chunk;
  return text;
}
