/**
 * `orchestrator` as a client of the API: the commands, their help, and shell completions, all from
 * one table. One-word (`projects`) and two-word (`project create`) names; `--json` anywhere
 * prints the API's JSON for scripts.
 *
 *   orchestrator login --url https://orchestrator.example.test
 *   orchestrator project create --name notes --description "A notes API"
 *   orchestrator secrets set STRIPE_KEY --project <id>        (the value at a prompt)
 *   orchestrator run watch <run>; echo $?                     (0 succeeded, 1 failed, 3 cancelled)
 */
import { type ClientContext, guarded } from "./context.ts";
import { runLogin, runLogout } from "./login.ts";
import { OPERATION_COMMANDS, runApiCommand, runOperationCommand } from "./operation-commands.ts";
import { runLogs, runSecretsSet, runWatch } from "./stream-commands.ts";

type Runner = (context: ClientContext, words: string[]) => Promise<number>;

const OWN_COMMANDS: Record<string, { summary: string; run: Runner }> = {
  login: {
    summary: "save an API key for a server: `login [--url URL]` (the key at a prompt or from stdin)",
    run: runLogin,
  },
  logout: { summary: "forget the saved key", run: runLogout },
  "secrets set": {
    summary: "set a secret: `secrets set NAME --project <id>` (the value at a prompt or from stdin)",
    run: runSecretsSet,
  },
  logs: { summary: "a job's log: `logs <job> [-f]`", run: runLogs },
  "run watch": {
    summary: "a run's live timeline until it ends; exits 0 succeeded, 1 failed, 3 cancelled",
    run: runWatch,
  },
  api: {
    summary:
      "every API operation: `api` lists them, `api <operationId> [--option value …] [--body JSON]` calls one",
    run: runApiCommand,
  },
  completion: {
    summary: "a completion script: `completion bash|zsh|fish`",
    run: async (context, words) => completion(context, words),
  },
};

const COMMANDS: Record<string, { summary: string; run: Runner }> = {
  ...Object.fromEntries(
    Object.entries(OPERATION_COMMANDS).map(([name, command]) => [
      name,
      {
        summary: command.summary,
        run: (context: ClientContext, words: string[]) => runOperationCommand(context, command, words),
      },
    ]),
  ),
  ...OWN_COMMANDS,
};

/** The API commands' part of `orchestrator --help`. */
export function clientUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return Object.entries(COMMANDS)
    .map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
    .join("\n");
}

/** Runs an API command; null when `argv` names none. */
export async function runClientCommand(
  argv: string[],
  context: Omit<ClientContext, "json">,
): Promise<number | null> {
  const json = argv.includes("--json");
  const words = argv.filter((word) => word !== "--json");
  const two = `${words[0]} ${words[1]}`;
  const [name, rest] = two in COMMANDS ? [two, words.slice(2)] : [words[0] ?? "", words.slice(1)];
  const command = COMMANDS[name];
  if (!command) return null;
  return guarded({ ...context, json }, () => command.run({ ...context, json }, rest));
}

/** The first words of every command, and each group's second words (`project` → show, create…). */
export function commandWords(): { top: string[]; groups: Record<string, string[]> } {
  const groups: Record<string, string[]> = {};
  for (const name of Object.keys(COMMANDS)) {
    const [first, second] = name.split(" ") as [string, string | undefined];
    if (second) groups[first] = [...(groups[first] ?? []), second];
  }
  const top = [...new Set(Object.keys(COMMANDS).map((name) => name.split(" ")[0] as string))];
  return { top: ["executor", "scaffold", "help", ...top], groups };
}

function completion(context: ClientContext, words: string[]): number {
  const shell = words[0] ?? "bash";
  const { top, groups } = commandWords();
  const cases = Object.entries(groups)
    .map(([group, seconds]) => `    ${group}) words="${seconds.join(" ")}" ;;`)
    .join("\n");
  const bash = `_orchestrator() {
  local cur=\${COMP_WORDS[COMP_CWORD]} words=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    words="${top.join(" ")}"
  elif [ "$COMP_CWORD" -eq 2 ]; then
    case "\${COMP_WORDS[1]}" in
${cases}
    api) words="$(orchestrator api --names 2>/dev/null)" ;;
    completion) words="bash zsh fish" ;;
    esac
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _orchestrator orchestrator
`;
  if (shell === "bash") context.stdout.write(bash);
  else if (shell === "zsh") context.stdout.write(`autoload -U +X bashcompinit && bashcompinit\n${bash}`);
  else if (shell === "fish") {
    const lines = [`complete -c orchestrator -f -n __fish_use_subcommand -a "${top.join(" ")}"`];
    for (const [group, seconds] of Object.entries(groups))
      lines.push(
        `complete -c orchestrator -f -n "__fish_seen_subcommand_from ${group}" -a "${seconds.join(" ")}"`,
      );
    lines.push(
      `complete -c orchestrator -f -n "__fish_seen_subcommand_from api" -a "(orchestrator api --names 2>/dev/null)"`,
    );
    context.stdout.write(`${lines.join("\n")}\n`);
  } else {
    context.stderr.write(`orchestrator: no completion for \`${shell}\`: bash, zsh or fish.\n`);
    return 2;
  }
  return 0;
}
