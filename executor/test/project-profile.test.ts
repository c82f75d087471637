/**
 * The project's profile as a pure function of a repository's view (its paths and a few files):
 * the manifest first, then the conventions in their order (Makefile, package.json, pytest,
 * unittest; a compose file with healthchecks), each decision saying where it came from, the
 * alternatives left out noted; and the same read from a real checkout, which follows no symlink.
 */
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { START_COMMAND_HINT, StartArgv, TEST_COMMAND_HINT } from "@codegen-orchestrator/shared";
import { afterAll, describe, expect, it } from "vitest";
import { viewCheckout } from "../src/project/checkout-view.ts";
import type { RepositoryView } from "../src/project/conventions.ts";
import { makeTargets } from "../src/project/makefile.ts";
import { profileOf } from "../src/project/profile.ts";
import { removeTempDirs, tempDir } from "./support/git-fixtures.ts";

afterAll(removeTempDirs);

/** A view of these files (their text) and these other paths. */
const view = (contents: Record<string, string>, others: string[] = []): RepositoryView => ({
  files: [...Object.keys(contents), ...others].sort(),
  contents,
  unread: [],
});

const ASSUMED = expect.stringMatching(/^assumed: \/health, as nothing declares a health path/);

describe("Makefile targets", () => {
  it("finds rule targets, not variables, recipes, define blocks, patterns or special targets", () => {
    const makefile = [
      "PYTHON ?= python3",
      "SRC := app",
      "LEVEL ::= 3",
      "export FLAGS = -v",
      ".PHONY: test run lint",
      "",
      "test: deps ## run the tests",
      "\tpython3 -m unittest discover -s tests",
      "run up: ; $(PYTHON) -m app",
      "serve\\",
      "  d: x",
      "define HELP",
      "start: not a rule",
      "endef",
      "%.o: %.c",
      "$(SRC)/x: y",
      "clean::",
      "\tfake: inside a recipe",
      "build: # comment: not a target",
    ].join("\n");
    expect([...makeTargets(makefile)].sort()).toEqual(["build", "clean", "d", "run", "serve", "test", "up"]);
    expect(makeTargets("test:\r\n\techo ok\r\n").has("test")).toBe(true);
    expect(makeTargets("X:=1\nY::=2\n").size).toBe(0);
  });
});

describe("the project's profile", () => {
  it("takes the manifest's declarations first, and the health path it names", () => {
    const profile = profileOf(
      view({
        "orchestrator.json": JSON.stringify({
          test: { setup: ["npm", "ci"], command: ["npm", "test"] },
          service: {
            start: ["python3", "-m", "app"],
            healthPath: "/healthz",
            startupSeconds: 30,
            migrate: { command: ["python3", "-m", "app.migrate"], service: "api" },
            telegramBots: ["SUPPORT_BOT"],
          },
        }),
        Makefile: "test:\n\tmake-test\nrun:\n\tmake-run\n",
      }),
    );
    expect(profile).toEqual({
      manifest: true,
      test: { setup: ["npm", "ci"], command: ["npm", "test"], docker: false, from: "orchestrator.json" },
      start: { command: ["python3", "-m", "app"], from: "orchestrator.json" },
      healthPath: { path: "/healthz", from: "orchestrator.json" },
      startupSeconds: 30,
      migrate: { command: ["python3", "-m", "app.migrate"], service: "api", from: "orchestrator.json" },
      telegramBots: ["SUPPORT_BOT"],
      compose: null,
      notes: [],
    });
  });

  it("fills what the manifest leaves out from the conventions, and assumes /health", () => {
    const profile = profileOf(
      view({
        "orchestrator.json": '{"service": {"start": ["node", "server.js"]}}',
        Makefile: "test:\n\tx\n",
      }),
    );
    expect(profile.test).toEqual({
      command: ["make", "test"],
      docker: false,
      from: "Makefile: target `test`",
    });
    expect(profile.start).toEqual({ command: ["node", "server.js"], from: "orchestrator.json" });
    expect(profile.healthPath).toEqual({ path: "/health", from: ASSUMED });
  });

  it("reads a Makefile-driven Python project: make test, make run (start before run before up)", () => {
    const profile = profileOf(
      view(
        {
          Makefile: "test:\n\tpython3 -m unittest\nup:\n\tdocker compose up\nrun:\n\tpython3 -m app\n",
          "pyproject.toml": '[project]\nname = "x"\n',
        },
        ["tests/", "tests/test_app.py", "app/", "app/__main__.py"],
      ),
    );
    expect(profile).toMatchObject({
      manifest: false,
      test: { command: ["make", "test"], docker: false, from: "Makefile: target `test`" },
      start: { command: ["make", "run"], from: "Makefile: target `run`" },
      healthPath: { path: "/health", from: ASSUMED },
      startupSeconds: null,
      migrate: null,
      compose: null,
    });
    expect(profile.notes).toEqual([
      "also found a test command, not used (the first convention wins): python3 -m unittest discover --start-directory tests --verbose (tests/test_*.py (unittest))",
      "also found a start command, not used (the first convention wins): make up (Makefile: target `up`)",
    ]);
  });

  it("reads package.json scripts: npm test (npm ci with a lock file), npm start; npm's placeholder is no test", () => {
    const scripts = { test: "node --test", start: "node src/server.js" };
    const locked = profileOf(
      view({ "package.json": JSON.stringify({ scripts, dependencies: { pg: "^8" } }) }, [
        "package-lock.json",
      ]),
    );
    expect(locked.test).toEqual({
      setup: ["npm", "ci"],
      command: ["npm", "test"],
      docker: false,
      from: "package.json: scripts.test",
    });
    expect(locked.start).toEqual({ command: ["npm", "start"], from: "package.json: scripts.start" });
    const unlocked = profileOf(
      view({ "package.json": JSON.stringify({ scripts, devDependencies: { x: "1" } }) }),
    );
    expect(unlocked.test?.setup).toEqual(["npm", "install"]);
    expect(profileOf(view({ "package.json": JSON.stringify({ scripts }) })).test).not.toHaveProperty("setup");

    // No start script: npm start all the same (npm's own default), and said so.
    const placeholder = profileOf(
      view({ "package.json": '{"scripts": {"test": "echo \\"Error: no test specified\\" && exit 1"}}' }),
    );
    expect(placeholder.test).toBeNull();
    expect(placeholder.start).toEqual({
      command: ["npm", "start"],
      from: "package.json: npm start (its default, as no start command is declared)",
    });
    expect(placeholder.notes).toContain(
      'package.json: scripts.test is npm\'s placeholder ("no test specified"): not used',
    );

    const broken = profileOf(view({ "package.json": "{ scripts" }));
    expect(broken.start).toBeNull();
    expect(broken.notes[0]).toMatch(/^package\.json: not valid JSON \(.*\): not used$/);
    expect(profileOf(view({ "package.json": '{"scripts": {"test": 1}}' })).notes).toEqual([
      "package.json: its scripts or dependencies are not mappings of names: not used",
    ]);
  });

  it("sees tests that call Docker: a Makefile's test recipe or an npm test script, or the manifest's word", () => {
    const makefile = [
      "COMPOSE ?= docker compose",
      "build:\n\tdocker build .",
      "test: build\n\t$(COMPOSE) -f compose.test.yaml up --exit-code-from tests \\\n\t  --abort-on-container-exit",
      "",
    ].join("\n");
    expect(profileOf(view({ Makefile: makefile })).test).toEqual({
      command: ["make", "test"],
      docker: true,
      from: "Makefile: target `test` (it calls Docker)",
    });
    // Docker in another target's recipe is not the tests'.
    const unit = "build:\n\tdocker build .\ntest:\n\tpython3 -m unittest\n";
    expect(profileOf(view({ Makefile: unit })).test?.docker).toBe(false);
    const npm = { "package.json": JSON.stringify({ scripts: { test: "docker compose run --rm tests" } }) };
    expect(profileOf(view(npm)).test).toMatchObject({
      docker: true,
      from: "package.json: scripts.test (it calls Docker)",
    });
    const declared = {
      "orchestrator.json": JSON.stringify({ test: { command: ["./ci.sh"], docker: true } }),
    };
    expect(profileOf(view(declared)).test).toEqual({
      command: ["./ci.sh"],
      docker: true,
      from: "orchestrator.json",
    });
  });

  it("reads Python layouts: pytest from its configuration, else unittest over tests/test_*.py", () => {
    const pytest = (contents: Record<string, string>) =>
      profileOf(view(contents, ["tests/", "tests/test_x.py"])).test;
    expect(pytest({ "pytest.ini": "[pytest]\n" })).toEqual({
      command: ["python3", "-m", "pytest"],
      docker: false,
      from: "pytest.ini (pytest)",
    });
    expect(pytest({ "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-q'\n" })?.from).toBe(
      "pyproject.toml: [tool.pytest.ini_options] (pytest)",
    );
    expect(pytest({ "setup.cfg": "[metadata]\nname = x\n\n[tool:pytest]\n" })?.from).toBe(
      "setup.cfg: [tool:pytest] (pytest)",
    );
    expect(
      pytest({ "pyproject.toml": '[project.optional-dependencies]\ntest = ["pytest>=8"]\n' })?.from,
    ).toBe("pyproject.toml: pytest among its requirements (pytest)");
    expect(pytest({ "pyproject.toml": '[project]\nname = "x"\n' })).toEqual({
      command: ["python3", "-m", "unittest", "discover", "--start-directory", "tests", "--verbose"],
      docker: false,
      from: "tests/test_*.py (unittest)",
    });
    expect(profileOf(view({}, ["test/", "test/test_y.py"])).test?.command).toContain("test");
    // A helper module in tests/ is not a test file; a test file deeper down is not looked for.
    expect(profileOf(view({}, ["tests/", "tests/helpers.py", "src/", "src/pkg/"])).test).toBeNull();
    // No start command for Python by convention: the manifest or a Makefile must say it.
    expect(profileOf(view({ "pytest.ini": "" })).start).toBeNull();
  });

  it("chooses a compose file whose services declare healthchecks, and notes one without", () => {
    const compose = [
      "services:",
      "  web:",
      "    build: .",
      "    healthcheck:",
      '      test: ["CMD", "python3", "scripts/healthcheck.py"]',
      "  db:",
      "    image: postgres:17",
      "    healthcheck: { test: [CMD-SHELL, pg_isready] }",
      "  worker:",
      "    image: x",
      "  cache:",
      "    healthcheck: { disable: true }",
      "  quiet:",
      "    healthcheck: { test: [NONE] }",
      "  bare:",
    ].join("\n");
    const profile = profileOf(view({ "compose.yaml": compose, "docker-compose.yml": "services: {}\n" }));
    expect(profile.compose).toEqual({
      file: "compose.yaml",
      healthchecked: ["web", "db"],
      from: "compose.yaml: services with healthchecks (web, db)",
    });
    const unchecked = profileOf(view({ "docker-compose.yml": "services:\n  web:\n    build: .\n" }));
    expect(unchecked.compose).toBeNull();
    expect(unchecked.notes).toEqual([
      "docker-compose.yml: no service declares a healthcheck: not chosen for the deploy",
    ]);
    expect(profileOf(view({ "compose.yml": "services: [a\n" })).notes[0]).toMatch(
      /^compose\.yml: not valid YAML \(/,
    );
    expect(profileOf(view({ "compose.yml": "version: '3'\n" })).notes[0]).toBe(
      "compose.yml: no `services` mapping of service definitions: not used",
    );
    // An alias bomb is refused, not expanded.
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let level = 1; level < 8; level++)
      bomb.push(
        `${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + level)}`)
          .join(", ")}]`,
      );
    bomb.push("services: { web: { healthcheck: { test: *h } } }");
    expect(profileOf(view({ "compose.yaml": bomb.join("\n") })).notes[0]).toMatch(
      /^compose\.yaml: not valid YAML/,
    );
  });

  it("takes the first convention in order: Makefile, package.json, pytest, unittest", () => {
    const everything = view(
      {
        Makefile: "test:\n\tx\n",
        "package.json": '{"scripts": {"test": "node --test"}}',
        "pytest.ini": "",
      },
      ["tests/", "tests/test_a.py"],
    );
    expect(profileOf(everything).test?.command).toEqual(["make", "test"]);
    const noMake = { ...everything, contents: { ...everything.contents, Makefile: "all:\n\tx\n" } };
    expect(profileOf(noMake).test?.command).toEqual(["npm", "test"]);
    expect(profileOf(noMake).notes).toEqual([
      "Makefile: no `test`, `start`, `run` or `up` target",
      "also found a test command, not used (the first convention wins): python3 -m pytest (pytest.ini (pytest))",
      "also found a test command, not used (the first convention wins): python3 -m unittest discover --start-directory tests --verbose (tests/test_*.py (unittest))",
    ]);
    // GNU make's own order of names.
    expect(profileOf(view({ GNUmakefile: "run:\n\tx\n", Makefile: "start:\n\tx\n" })).start?.from).toBe(
      "GNUmakefile: target `run`",
    );
  });

  it("finds nothing in a repository that follows no convention, and the hints say what to add", () => {
    const profile = profileOf(view({ "README.md": "hello\n" }, ["src/", "src/main.go"]));
    expect(profile).toEqual({
      manifest: false,
      test: null,
      start: null,
      healthPath: { path: "/health", from: ASSUMED },
      startupSeconds: null,
      migrate: null,
      compose: null,
      notes: [],
    });
    expect(TEST_COMMAND_HINT).toContain('orchestrator.json with "test": {"command": [...]}');
    expect(TEST_COMMAND_HINT).toContain("a Makefile with a `test` target");
    expect(TEST_COMMAND_HINT).toContain("tests/test_*.py");
    expect(START_COMMAND_HINT).toContain('"service": {"start": [...]}');
    expect(START_COMMAND_HINT).toContain("a compose file (compose.yaml) whose services declare healthchecks");
  });

  it("refuses an unusable manifest, saying what one looks like; bounds the start command", () => {
    expect(() => profileOf(view({ "orchestrator.json": "{ nope" }))).toThrow(
      /^orchestrator\.json is not valid JSON/,
    );
    expect(() => profileOf(view({ "orchestrator.json": '{"service": {"start": []}}' }))).toThrow(
      /^orchestrator\.json does not fit: service\.start: .*; expected \{ "test"/,
    );
    expect(() => profileOf(view({ "orchestrator.json": '{"service": {"start": ["a\\nb"]}}' }))).toThrow(
      /no NUL, CR or LF in a word/,
    );
    expect(StartArgv.safeParse(Array(33).fill("x")).success).toBe(false);
    expect(StartArgv.safeParse(Array(9).fill("y".repeat(1000))).success).toBe(false);
    expect(StartArgv.safeParse(["sh", "-c", "echo $(id); rm -rf / # words, as data"]).success).toBe(true);
  });
});

describe("a checkout's view", () => {
  it("lists two levels, reads the convention files at the root, and follows no symlink", async () => {
    const root = await tempDir("co-profile-view-");
    await mkdir(path.join(root, "tests/deeper"), { recursive: true });
    await mkdir(path.join(root, "node_modules/x"), { recursive: true });
    await writeFile(path.join(root, "tests/test_app.py"), "");
    await writeFile(path.join(root, "tests/deeper/test_no.py"), "");
    await writeFile(path.join(root, "Makefile"), "test:\n\tx\n");
    await writeFile(path.join(root, "setup.cfg"), Buffer.from([0x5b, 0xff, 0x5d]));
    await writeFile(path.join(root, "big.txt"), "");
    await writeFile(path.join(root, "pytest.ini"), "x".repeat(300 * 1024));
    await symlink("/etc/passwd", path.join(root, "package.json"));
    const seen = await viewCheckout(root);
    expect(seen.files).toEqual([
      "Makefile",
      "big.txt",
      "node_modules/",
      "package.json",
      "pytest.ini",
      "setup.cfg",
      "tests/",
      "tests/deeper/",
      "tests/test_app.py",
    ]);
    expect(seen.contents).toEqual({ Makefile: "test:\n\tx\n" });
    expect(seen.unread).toEqual([
      "package.json: is a symlink: not read",
      "pytest.ini: is larger than 262144 bytes: not read",
      "setup.cfg: is not UTF-8 text: not read",
    ]);
    await symlink("/etc/hostname", path.join(root, "orchestrator.json"));
    await expect(viewCheckout(root)).rejects.toThrow(/^orchestrator\.json is a symlink; expected/);
  });
});
