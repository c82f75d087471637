/**
 * `orchestrator` as an API client against wrangler dev, run as people and scripts run it: in a
 * pseudo-terminal (util-linux `script`) for the prompts, with `--json` for scripts. A key and a
 * secret typed at prompts are in no argv, no shell history and no output; `run watch` follows a
 * run to its end and exits with its outcome.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Fleet } from "./support/fleet.ts";

const CLI = path.resolve(import.meta.dirname, "../executor/src/cli.ts");
const hasScript = spawnSync("script", ["--version"]).status === 0;
let fleet: Fleet;
let home: string;
let memberKey: string;

/** The CLI's environment: a home of its own, no key unless given. */
const baseEnv = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH ?? "",
  HOME: home,
  XDG_CONFIG_HOME: path.join(home, ".config"),
  ...extra,
});

/** `orchestrator …` with pipes: its exit status and output. */
function cli(args: string[], env: Record<string, string> = {}, input?: string) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: baseEnv(env),
    input: input ?? "",
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A command in a pseudo-terminal: `answers` are typed, each once its prompt has appeared. The
 * whole transcript (what a screen would show) and the exit status come back.
 */
function inTerminal(
  command: string,
  answers: [prompt: string, typed: string][],
  env: Record<string, string> = {},
) {
  return new Promise<{ code: number | null; transcript: string }>((resolve, reject) => {
    const child = spawn("script", ["-qfec", command, "/dev/null"], { env: baseEnv(env), stdio: "pipe" });
    let transcript = "";
    const pending = [...answers];
    child.stdout.on("data", (chunk: Buffer) => {
      transcript += chunk.toString();
      const next = pending[0];
      if (next && transcript.includes(next[0])) {
        pending.shift();
        child.stdin.write(`${next[1]}\r`);
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, transcript });
    });
  });
}

beforeAll(async () => {
  fleet = await Fleet.start();
  home = await mkdtemp(path.join(tmpdir(), "co-cli-"));
  const user = await fleet.call("/users", { name: "cli-member", role: "member" });
  memberKey = (await fleet.call("/api-keys", { name: "cli", userId: user.id, scopes: ["read", "write"] }))
    .key;
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("orchestrator, the API client", () => {
  it.skipIf(!hasScript)(
    "signs in at a prompt, creates a project, sets a secret at a prompt, watches a run to its end",
    async () => {
      const origin = fleet.worker.origin;
      const login = await inTerminal(`node ${CLI} login --url ${origin}`, [["API key for", memberKey]]);
      expect(login.code, login.transcript).toBe(0);
      expect(login.transcript).toContain("Signed in to");
      expect(login.transcript).not.toContain(memberKey);
      const saved = path.join(home, ".config", "orchestrator", "credentials.json");
      expect((await stat(saved)).mode & 0o777).toBe(0o600);
      expect((await stat(path.dirname(saved))).mode & 0o777).toBe(0o700);
      expect(JSON.parse(await readFile(saved, "utf8"))).toEqual({ url: origin, key: memberKey });

      // Scripts: --json, the key from the saved file.
      const created = cli(["project", "create", "--name", "cli-notes", "--description", "Notes", "--json"]);
      expect(created.code, created.stderr).toBe(0);
      const project = JSON.parse(created.stdout) as { id: string; name: string };
      expect(project.name).toBe("cli-notes");
      const listed = cli(["projects"]);
      expect(listed.stdout).toMatch(/^ID\s+NAME\s+STATUS/m);
      expect(listed.stdout).toContain("cli-notes");

      // The secret is typed at a prompt in an interactive shell that keeps a history file.
      const canary = `cli-canary-${crypto.randomUUID()}`;
      const history = path.join(home, ".bash_history");
      const shell = await inTerminal(
        "bash --norc -i",
        [
          ["$ ", `node ${CLI} secrets set STRIPE_KEY --project ${project.id}`],
          ["(not shown): ", canary],
          ["Stored STRIPE_KEY", "exit"],
        ],
        { HISTFILE: history, PS1: "$ " },
      );
      expect(shell.transcript).toContain("Stored STRIPE_KEY");
      expect(shell.transcript).not.toContain(canary);
      const historyText = await readFile(history, "utf8");
      expect(historyText).toContain("secrets set STRIPE_KEY");
      expect(historyText).not.toContain(canary);
      const secrets = cli(["secrets", "list", project.id, "--json"]);
      expect(JSON.parse(secrets.stdout).items).toEqual([expect.objectContaining({ name: "STRIPE_KEY" })]);
      expect(secrets.stdout).not.toContain(canary);

      // A run (no model configured here: its Architect fails it), watched to its end.
      const run = JSON.parse(cli(["run", "start", project.id, "--kind", "engineering", "--json"]).stdout) as {
        id: string;
      };
      const watched = await inTerminal(`node ${CLI} run watch ${run.id}`, []);
      expect(watched.code, watched.transcript).toBe(1);
      expect(watched.transcript).toContain(`Run ${run.id} failed`);
      expect(watched.transcript).toMatch(/failed: \S+/);
      const events = cli(["run", "watch", run.id, "--json"]);
      expect(events.code).toBe(1);
      const last = JSON.parse(events.stdout.trim().split("\n").at(-1) as string);
      expect(last).toMatchObject({ event: "run", run: { id: run.id, status: "failed" } });
    },
    180_000,
  );

  it("answers errors with the API's message and a hint, and refuses keys and secrets on the command line", () => {
    const as = { ORCHESTRATOR_URL: fleet.worker.origin, ORCHESTRATOR_API_KEY: memberKey };
    const missing = cli(["project", "show", "01ARZ3NDEKTSV4RRFFQ69G5FAV"], as);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("orchestrator: No project");
    expect(missing.stderr).toContain("hint: Check the id");
    const invalid = cli(["project", "create", "--name", ""], as);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("body.name");
    const asJson = cli(["project", "show", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "--json"], as);
    expect(JSON.parse(asJson.stderr)).toMatchObject({
      error: { code: "not_found" },
      hint: expect.any(String),
    });
    const badKey = cli(["projects"], { ...as, ORCHESTRATOR_API_KEY: "co_wrong_key_wrong_key" });
    expect(badKey.stderr).toContain("hint: Sign in again: `orchestrator login`");
    const signedOut = cli(["projects"], {
      ORCHESTRATOR_URL: fleet.worker.origin,
      XDG_CONFIG_HOME: path.join(home, "nobody"),
    });
    expect(signedOut.code).toBe(1);
    expect(signedOut.stderr).toContain("not signed in");
    expect(cli(["login", "--key", memberKey], as).code).toBe(2);
    expect(cli(["secrets", "set", "X", "--project", "p", "--value", "v"], as).code).toBe(2);
    const unknown = cli(["project", "create", "--colour", "red"], as);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option `--colour`");

    // A secret piped in (a script's way), and every operation under `api`.
    const project = JSON.parse(cli(["project", "create", "--name", "piped", "--json"], as).stdout) as {
      id: string;
    };
    expect(cli(["secrets", "set", "TOKEN", "--project", project.id], as, "piped-value\n").code).toBe(0);
    const names = cli(["api", "--names"], as).stdout.split("\n");
    expect(names).toEqual(expect.arrayContaining(["create_project", "start_run", "get_run", "set_secret"]));
    const viaApi = cli(["api", "get_project", project.id, "--json"], as);
    expect(JSON.parse(viaApi.stdout)).toMatchObject({ id: project.id, name: "piped" });
    const help = cli(["api", "list_runs", "--help"], as);
    expect(help.stdout).toContain("list_runs <id> [--limit integer]");
    const completion = cli(["completion", "bash"]);
    expect(completion.stdout).toContain("complete -F _orchestrator orchestrator");
    expect(completion.stdout).toContain('project) words="show create delete"');
  }, 120_000);
});
