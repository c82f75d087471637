/**
 * The Python service template (templates/python-service) with each module choice and its Compose
 * variant; its own tests run as its manifest says (real python3), and the service started as the
 * manifest says answers its health path on loopback and stops on SIGTERM. Each templated file must
 * read as Python's Jinja2 renders it (the engine Copier drives), where the host has jinja2.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { ProjectManifest } from "@codegen-orchestrator/shared";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { freePort } from "../support/sshd.ts";
import { removeTempDirs, render, renderError, tempDir } from "./support.ts";

afterAll(removeTempDirs);

const templateRoot = path.resolve(import.meta.dirname, "../../../templates/python-service");
const CORE = [
  ".copier-answers.yml",
  ".env.example",
  ".gitignore",
  "Dockerfile",
  "README.md",
  "app/__init__.py",
  "app/__main__.py",
  "app/config.py",
  "app/server.py",
  "compose.yaml",
  "orchestrator.json",
  "pyproject.toml",
  "scripts/healthcheck.py",
  "tests/helpers.py",
  "tests/test_health.py",
  "tests/test_process.py",
];
const MODULE_FILES: Record<string, string[]> = {
  database: ["app/db.py", "tests/test_db.py"],
  telegram: ["app/bot.py", "tests/test_bot.py"],
};

const scaffoldWith = (modules: string[], extra: Record<string, unknown> = {}) =>
  render(
    {},
    {
      templateRoot,
      srcPath: "templates/python-service",
      data: { project_name: "hello-py", modules, ...extra },
    },
  );

/** The manifest as written, read by the pipelines' schema. */
const rawManifest = (text = "{}") => {
  const manifest = ProjectManifest.parse(JSON.parse(text));
  if (!manifest.test || !manifest.service?.start)
    throw new Error("the manifest names no test or start command");
  return { test: manifest.test, service: { ...manifest.service, start: manifest.service.start } };
};

describe("python service template", () => {
  it.each([
    [[], false],
    [["database"], false],
    [["telegram"], false],
    [["database", "telegram"], true],
    [[], true],
  ])("modules %j, postgres %j: exact files, nothing left unrendered", async (modules, postgres) => {
    const { report, tree, destination } = await scaffoldWith(modules, { postgres });
    const expected = [...CORE, ...modules.flatMap((m) => MODULE_FILES[m] ?? [])].sort();
    expect(Object.keys(tree)).toEqual(expected);
    expect(report.files).toEqual(expected);
    for (const [file, text] of Object.entries(tree)) expect(text, file).not.toMatch(/\{\{|\{%|\{#/);
    expect(parseYaml(tree[".copier-answers.yml"] ?? "")).toEqual({
      _src_path: "templates/python-service",
      author_name: "Codegen Orchestrator",
      description: "Hello Py, an HTTP service",
      modules,
      port: 8000,
      postgres,
      project_name: "hello-py",
      python_version: "3.13",
    });
    expect((await stat(path.join(destination, "scripts/healthcheck.py"))).mode & 0o111).toBe(0o111);
    expect(tree.Dockerfile).toContain("FROM python:3.13-slim");
    expect(tree["pyproject.toml"]).toContain('name = "hello-py"');

    const env = tree[".env.example"] ?? "";
    expect(env).toContain("PORT=8000");
    expect(env.includes("DATABASE_PATH=./data/hello-py.db")).toBe(modules.includes("database"));
    expect(env.includes("TELEGRAM_BOT_TOKEN=")).toBe(modules.includes("telegram"));
    expect(env.includes("# generated: the password")).toBe(postgres);

    const manifest = rawManifest(tree["orchestrator.json"]);
    expect(manifest).toEqual({
      test: { command: ["python3", "-m", "unittest", "discover", "--start-directory", "tests", "--verbose"] },
      service: { healthPath: "/health", start: ["python3", "-m", "app"] },
    });

    const compose = parseYaml(tree["compose.yaml"] ?? "");
    const app = compose.services["hello-py"];
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose's own interpolation, not JavaScript's.
    const ports = ["${PORT:-8000}:${PORT:-8000}"];
    expect(app).toMatchObject({ build: ".", env_file: ".env", ports });
    expect(Object.keys(compose.services)).toEqual(postgres ? ["hello-py", "postgres"] : ["hello-py"]);
    const volumes = [...(modules.includes("database") ? ["data"] : []), ...(postgres ? ["pgdata"] : [])];
    expect(Object.keys(compose.volumes ?? {})).toEqual(volumes);
    if (postgres) {
      expect(app.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
      expect(app.environment.DATABASE_URL).toMatch(
        /^postgresql:\/\/hello_py:\$\{POSTGRES_PASSWORD:\?.*@postgres/,
      );
      expect(compose.services.postgres).toMatchObject({
        volumes: ["pgdata:/var/lib/postgresql/data"],
        healthcheck: { test: ["CMD-SHELL", "pg_isready -U hello_py -d hello_py"] },
      });
    }
  });

  it("renders a project whose own test suite passes, run as its manifest says", async () => {
    const { destination, tree } = await scaffoldWith(["database", "telegram"], { postgres: true });
    const [command = "", ...args] = rawManifest(tree["orchestrator.json"]).test.command;
    // unittest reports on stderr; a failure rejects with the whole output.
    const { stderr } = await promisify(execFile)(command, args, { cwd: destination, timeout: 60_000 });
    expect(stderr).toMatch(/^Ran 10 tests in /m);
    expect(stderr).toMatch(/^OK$/m);
    expect(stderr).toContain("test_health_answers_ok (test_health.HealthTest");
  }, 60_000);

  it.each([
    [["database", "telegram"], true],
    [[], false],
  ])(
    "modules %j, postgres %j: each templated file as Python's Jinja2 renders it",
    async (modules, postgres) => {
      const { tree, report } = await scaffoldWith(modules, { postgres });
      const sources = await templatedFiles();
      const reference = jinja2Renders(sources, { ...report.answers, session_secret: "" });
      if (!reference) return console.warn("python-template.test.ts: no python3 jinja2: comparison skipped");
      const rendered = Object.keys(reference).filter((file) => file in tree);
      expect(rendered).toEqual(expect.arrayContaining(["app/server.py", "compose.yaml", ".env.example"]));
      for (const file of rendered) expect(tree[file], file).toBe(reference[file]);
    },
  );

  it("keeps the secret answer out of the answers file", async () => {
    const { tree } = await scaffoldWith([], { session_secret: "canary-secret-41c9" });
    expect(JSON.stringify(tree)).not.toContain("canary-secret-41c9");
  });

  it("refuses what its validators and choices refuse, every question at once", async () => {
    const error = await renderError(
      {},
      { templateRoot, data: { project_name: "Hello_Py", port: 80, python_version: "3.10" } },
    );
    expect(error.code).toBe("invalid_answers");
    expect(error.details?.questions).toEqual([
      { question: "project_name", message: expect.stringContaining("lowercase letters") },
      { question: "python_version", message: expect.stringContaining("not one of the choices") },
      { question: "port", message: "use a port from 1024 to 65535" },
    ]);
  });
});

describe("python service, started as its manifest says", () => {
  let service: ChildProcess | undefined;
  afterEach(() => {
    service?.kill("SIGKILL");
  });

  it("answers its health path on $PORT, keeps items in $DATABASE_PATH and stops on SIGTERM", async () => {
    const { destination, tree } = await scaffoldWith(["database"]);
    const [command = "", ...args] = rawManifest(tree["orchestrator.json"]).service.start;
    const port = await freePort();
    const databasePath = path.join(await tempDir("co-python-data-"), "data", "items.db");
    service = spawn(command, args, {
      cwd: destination,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PORT: String(port), DATABASE_PATH: databasePath },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    service.stdout?.on("data", (chunk) => (output += chunk));
    service.stderr?.on("data", (chunk) => (output += chunk));
    const exited = once(service, "exit");

    const base = `http://127.0.0.1:${port}`;
    const health = await pollHealth(`${base}/health`, 10_000, () => output);
    expect(health).toEqual({ status: 200, body: { status: "ok", service: "hello-py" } });
    const created = await fetch(`${base}/items`, { method: "POST", body: JSON.stringify({ name: "kept" }) });
    expect(created.status).toBe(201);
    expect((await stat(databasePath)).size).toBeGreaterThan(0);

    service.kill("SIGTERM");
    const [code, signal] = await Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no exit 10 s after SIGTERM: ${output}`)), 10_000),
      ),
    ]);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(output).toContain(`hello-py listening on ${port}`);
    expect(output).toContain("hello-py stopped");
  }, 30_000);
});

/** GETs `url` until it answers (any status), for at most `ms`; fails with the service's output. */
async function pollHealth(url: string, ms: number, output: () => string) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return { status: res.status, body: await res.json() };
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`no answer from ${url} in ${ms} ms: ${output()}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The template's `.jinja` files by the path they render to; the answers file (Copier's own) left out. */
async function templatedFiles(): Promise<Record<string, string>> {
  const root = path.join(templateRoot, "template");
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files: Record<string, string> = {};
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith(".jinja") || entry.name.includes("_copier_conf")) continue;
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(root, file).replace(/\.jinja$/, "")] = await readFile(file, "utf8");
  }
  return files;
}

/** Python Jinja2's output for each source, in the environment Copier renders with; null without jinja2. */
function jinja2Renders(sources: Record<string, string>, context: Record<string, unknown>) {
  const script = [
    "import json, sys",
    "from jinja2.sandbox import SandboxedEnvironment",
    "data = json.load(sys.stdin)",
    "env = SandboxedEnvironment(keep_trailing_newline=True)",
    "print(json.dumps({k: env.from_string(s).render(**data['context']) for k, s in data['sources'].items()}))",
  ].join("\n");
  try {
    const out = execFileSync("python3", ["-c", script], {
      input: JSON.stringify({ sources, context }),
      encoding: "utf8",
    });
    return JSON.parse(out) as Record<string, string>;
  } catch {
    return null;
  }
}
