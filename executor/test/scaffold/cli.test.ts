/** `orchestrator scaffold` as a person runs it: a real child process, real files. */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { readTree, removeTempDirs, tempDir, writeTree } from "./support.ts";

afterAll(removeTempDirs);

const cli = path.resolve(import.meta.dirname, "../../src/cli.ts");
const template = path.resolve(import.meta.dirname, "../../../templates/node-service");

async function scaffold(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, "scaffold", ...args], {
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: await tempDir("co-home-") },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("orchestrator scaffold", () => {
  it("renders with --data and --defaults, showing each file as it lands", async () => {
    const destination = path.join(await tempDir(), "svc");
    const result = await scaffold(
      template,
      destination,
      "--data",
      "project_name=cli-api",
      "-d",
      "modules=[database]",
      "--defaults",
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("create  src/db.js");
    expect(result.stderr).toContain(`Scaffolded 16 files into ${destination}`);
    expect(Object.keys(await readTree(destination))).toContain("src/db.js");
  });

  it("--record-answers writes the answers file a template leaves out; without it, none (Copier's way)", async () => {
    const source = await writeTree(await tempDir("co-template-"), {
      "copier.yml": "name: app\n",
      "a.txt.jinja": "{{ name }}\n",
    });
    const plain = path.join(await tempDir(), "plain");
    expect((await scaffold(source, plain, "--defaults", "-q")).code).toBe(0);
    expect(Object.keys(await readTree(plain))).toEqual(["a.txt"]);
    const recorded = path.join(await tempDir(), "recorded");
    expect((await scaffold(source, recorded, "--defaults", "-q", "--record-answers")).code).toBe(0);
    expect((await readTree(recorded))[".copier-answers.yml"]).toContain("name: app\n");
  });

  it("--json prints the report; --data-file answers, --data wins", async () => {
    const dir = await tempDir();
    const dataFile = path.join(dir, "answers.yml");
    await writeFile(dataFile, "project_name: from-file\nport: 9000\n");
    const result = await scaffold(
      template,
      path.join(dir, "svc"),
      "--data-file",
      dataFile,
      "-d",
      "port=9100",
      "-l",
      "--json",
      "-q",
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ engine: "builtin", answers: { project_name: "from-file", port: 9100 } });
    expect(result.stderr).toBe("");
  });

  it("invalid answers: exit 1 and each question with its problem; nothing written", async () => {
    const destination = path.join(await tempDir(), "svc");
    const result = await scaffold(
      template,
      destination,
      "-d",
      "project_name=Bad Name",
      "-d",
      "port=80",
      "--defaults",
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("2 invalid answers:");
    expect(result.stderr).toContain("- project_name: use 2 to 63 lowercase letters");
    expect(result.stderr).toContain("- port: use a port from 1024 to 65535");
    await expect(readTree(destination)).rejects.toThrow();
  });

  it("without a terminal or --defaults it says how to answer", async () => {
    const result = await scaffold(template, path.join(await tempDir(), "svc"), "-d", "project_name=ok-name");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("No terminal to ask on");
  });

  it("a template with tasks needs --trust (exit 4, like copier)", async () => {
    const templateDir = await writeTree(await tempDir(), {
      "copier.yml": "_tasks: ['touch made-by-task']\n",
    });
    const destination = path.join(await tempDir(), "out");
    const refused = await scaffold(templateDir, destination, "--defaults");
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain("--trust");
    const trusted = await scaffold(templateDir, destination, "--defaults", "--trust");
    expect(trusted.code).toBe(0);
    expect(Object.keys(await readTree(destination))).toContain("made-by-task");
  });

  it("bad usage: exit 2 with the help", async () => {
    const result = await scaffold(template);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Usage: orchestrator scaffold <template> <destination>");
    expect((await scaffold(template, "x", "--engine", "jinja")).stderr).toContain(
      "--engine must be builtin or copier",
    );
  });
});

describe("orchestrator scaffold on a terminal", () => {
  /** Runs the CLI under a pseudo-terminal (`script`) and answers each prompt when it appears. */
  async function converse(args: string[], answers: [prompt: string, reply: string][]) {
    const { spawn } = await import("node:child_process");
    const command = [process.execPath, cli, "scaffold", ...args].map((a) => `'${a}'`).join(" ");
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: await tempDir("co-home-"), TERM: "dumb" },
    });
    let transcript = "";
    const pending = [...answers];
    let answeredUpTo = 0;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      transcript += chunk;
      const next = pending[0];
      if (next && transcript.indexOf(`? ${next[0]}`, answeredUpTo) !== -1) {
        answeredUpTo = transcript.length;
        pending.shift();
        child.stdin.write(`${next[1]}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.once("close", (status) => {
        clearTimeout(timer);
        resolve(status);
      });
    });
    return { code, transcript };
  }

  it.skipIf(!process.env.PATH?.split(":").some((dir) => existsSync(path.join(dir, "script"))))(
    "asks each question, asks again after a refused answer, and does not echo a secret",
    async () => {
      const destination = path.join(await tempDir(), "svc");
      const { code, transcript } = await converse(
        [template, destination],
        [
          ["project_name", "Bad Name"],
          ["project_name", "tty-api"],
          ["description", ""],
          ["author_name", ""],
          ["node_version", "22"],
          ["port", ""],
          ["modules", "[telegram]"],
          ["session_secret", "canary-tty-secret"],
        ],
      );
      expect(code).toBe(0);
      expect(transcript).toContain("✗ use 2 to 63 lowercase letters");
      expect(transcript).not.toContain("canary-tty-secret");
      const answers = (await readTree(destination))[".copier-answers.yml"] ?? "";
      expect(answers).toContain("project_name: tty-api");
      expect(answers).toContain("node_version: 22");
      expect(answers).toContain("- telegram");
    },
  );
});
