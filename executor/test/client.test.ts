/**
 * The API client's parts on their own: arguments read by an operation's schema, a secret prompt's
 * keystrokes, the saved credentials' file modes, the output, the progress bar.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { apiOperations } from "@codegen-orchestrator/shared";
import { afterAll, describe, expect, it } from "vitest";
import { baseUrl, loadCredentials, saveCredentials } from "../src/client/config.ts";
import { operationArgs, usage } from "../src/client/operation-args.ts";
import { render } from "../src/client/render.ts";
import { bar } from "../src/client/run-watch.ts";
import { readSecret } from "../src/client/secret-input.ts";
import { removeTempDirs, tempDir } from "./support/temp.ts";

afterAll(removeTempDirs);

/** A document with two operations, shaped as the Worker generates it. */
const [listRuns, createProject] = apiOperations({
  paths: {
    "/projects/{id}/runs": {
      get: {
        operationId: "list_runs",
        summary: "A project's runs",
        parameters: [
          { name: "id", in: "path", required: true, schema: { type: "string" } },
          { name: "limit", in: "query", schema: { type: "integer" } },
        ],
        responses: { 200: { content: { "application/json": {} } } },
      },
    },
    "/projects": {
      post: {
        operationId: "create_project",
        summary: "Create a project",
        requestBody: {
          required: true,
          content: { "application/json": { schema: { $ref: "#/components/schemas/CreateProject" } } },
        },
        responses: { 201: { content: { "application/json": {} } } },
      },
    },
  },
  components: {
    schemas: {
      CreateProject: {
        type: "object",
        properties: {
          name: { type: "string" },
          repoUrl: { type: "string" },
          modules: { type: "array" },
          private: { type: "boolean" },
        },
      },
    },
  },
}) as [
  NonNullable<ReturnType<typeof apiOperations>[number]>,
  NonNullable<ReturnType<typeof apiOperations>[number]>,
];

describe("operation arguments", () => {
  it("fills path parameters from words, query parameters and body fields from options, by type", () => {
    expect(operationArgs(listRuns, ["p1", "--limit", "5"])).toEqual({ id: "p1", limit: 5 });
    expect(operationArgs(listRuns, ["limit=7", "--id=p2"])).toEqual({ id: "p2", limit: 7 });
    expect(
      operationArgs(createProject, [
        "--name",
        "notes",
        "--repo-url",
        "https://x.test/r.git",
        "--modules",
        '["db"]',
        "--private",
        "true",
      ]),
    ).toEqual({ body: { name: "notes", repoUrl: "https://x.test/r.git", modules: ["db"], private: true } });
    // Fields a command sets itself, under what is typed.
    expect(operationArgs(createProject, ["--name", "a"], { name: "b", modules: [] })).toEqual({
      body: { name: "a", modules: [] },
    });
    expect(usage(listRuns)).toBe("<id> [--limit integer]");
  });

  it("refuses what the operation does not take, naming what it does", () => {
    expect(() => operationArgs(listRuns, ["p1", "extra"])).toThrow(
      /Unexpected argument `extra`: list_runs takes <id>/,
    );
    expect(() => operationArgs(createProject, ["--colour", "red"])).toThrow(/Unknown option `--colour`/);
    expect(() => operationArgs(listRuns, ["p1", "--limit", "many"])).toThrow(/takes a number/);
    expect(() => operationArgs(createProject, ["--private", "yes"])).toThrow(/true or false/);
    expect(() => operationArgs(createProject, ["--name"])).toThrow(/needs a value/);
  });
});

describe("secret input", () => {
  it("at a terminal: echoes nothing, takes backspace, ends at Enter, leaves raw mode", async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true, modes: [] as boolean[] });
    const tty = Object.assign(input, { setRawMode: (raw: boolean) => input.modes.push(raw) });
    const output = new PassThrough();
    let shown = "";
    output.on("data", (chunk) => {
      shown += chunk;
    });
    const value = readSecret("Value: ", tty, output);
    tty.write("s3cx\x7fret\r");
    expect(await value).toBe("s3cret");
    expect(shown).toBe("Value: \n");
    expect(tty.modes).toEqual([true, false]);
  });

  it("from a pipe: all of stdin less one trailing newline", async () => {
    expect(await readSecret("unused", Readable.from(["line one\n", "line two\n"]), new PassThrough())).toBe(
      "line one\nline two",
    );
  });
});

describe("saved credentials", () => {
  it("are a 0600 file in a 0700 directory; the variables win over it", async () => {
    const env = { XDG_CONFIG_HOME: await tempDir("co-client-") };
    const file = await saveCredentials(env, { url: "https://orchestrator.test/api/v1/", key: "co_key" });
    expect(file).toBe(path.join(env.XDG_CONFIG_HOME, "orchestrator", "credentials.json"));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({
      url: "https://orchestrator.test",
      key: "co_key",
    });
    expect(await loadCredentials(env)).toEqual({ url: "https://orchestrator.test", key: "co_key" });
    expect(await loadCredentials({ ...env, ORCHESTRATOR_API_KEY: "co_env" })).toMatchObject({
      key: "co_env",
    });
    expect(await loadCredentials({ XDG_CONFIG_HOME: path.join(env.XDG_CONFIG_HOME, "none") })).toBeNull();
    expect(baseUrl("http://127.0.0.1:8787/")).toBe("http://127.0.0.1:8787");
  });
});

describe("output", () => {
  it("shows a list as a table of its telling columns and an object as fields", () => {
    const table = render({ items: [{ id: "p1", name: "notes", status: "draft", spec: { a: 1 } }] });
    expect(table).toBe("ID  NAME   STATUS\np1  notes  draft\n");
    expect(render({ items: [] })).toBe("(none)\n");
    expect(render({ id: "r1", error: null })).toBe("id:    r1\nerror: null\n");
    expect(bar("deploy_project: 12/35 tasks (34%)")).toBe(`[${"#".repeat(7)}${"-".repeat(13)}]`);
    expect(bar("starting")).toBe("");
  });
});
