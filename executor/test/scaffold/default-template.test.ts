/** The default service template (templates/node-service) with each module choice. */
import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { ProjectManifest } from "@codegen-orchestrator/shared";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { removeTempDirs, render } from "./support.ts";

afterAll(removeTempDirs);

const templateRoot = path.resolve(import.meta.dirname, "../../../templates/node-service");
const CORE = [
  ".copier-answers.yml",
  ".env.example",
  ".gitignore",
  "Dockerfile",
  "README.md",
  "compose.yaml",
  "orchestrator.json",
  "package.json",
  "public/icon.png",
  "scripts/healthcheck.sh",
  "src/config.js",
  "src/server.js",
  "test/health.test.js",
  "test/helpers.js",
];
const MODULE_FILES: Record<string, string[]> = {
  database: ["src/db.js", "test/db.test.js"],
  telegram: ["src/bot.js", "test/bot.test.js"],
};

const scaffoldWith = (modules: string[]) =>
  render(
    {},
    { templateRoot, srcPath: "templates/node-service", data: { project_name: "hello-api", modules } },
  );

describe("default template", () => {
  it.each([[[]], [["database"]], [["telegram"]], [["database", "telegram"]]])(
    "modules %j: exact files, nothing left unrendered",
    async (modules) => {
      const { report, tree, destination } = await scaffoldWith(modules);
      const expected = [...CORE, ...modules.flatMap((m) => MODULE_FILES[m] ?? [])].sort();
      expect(Object.keys(tree)).toEqual(expected);
      expect(report.files).toEqual(expected);
      for (const [file, text] of Object.entries(tree)) {
        if (file === "public/icon.png") continue;
        expect(text, file).not.toMatch(/\{\{|\{%|\{#/);
      }
      const answers = parseYaml(tree[".copier-answers.yml"] ?? "");
      expect(answers).toEqual({
        _src_path: "templates/node-service",
        author_name: "Codegen Orchestrator",
        description: "Hello Api, an HTTP service",
        modules,
        node_version: 24,
        port: 8000,
        project_name: "hello-api",
      });
      const icon = await readFile(path.join(destination, "public/icon.png"));
      expect(icon.equals(await readFile(path.join(templateRoot, "template/public/icon.png")))).toBe(true);
      expect((await stat(path.join(destination, "scripts/healthcheck.sh"))).mode & 0o111).toBe(0o111);
      expect(tree[".env.example"]).toContain("PORT=8000");
      expect(tree[".env.example"]?.includes("TELEGRAM_BOT_TOKEN=")).toBe(modules.includes("telegram"));
      expect(JSON.parse(tree["package.json"] ?? "{}")).toMatchObject({
        name: "hello-api",
        engines: { node: ">=24" },
      });
      expect(ProjectManifest.parse(JSON.parse(tree["orchestrator.json"] ?? "{}"))).toEqual({
        test: { command: ["npm", "test"] },
        service: { healthPath: "/health" },
      });
    },
  );

  it("renders a project whose own test suite passes", async () => {
    const { destination } = await scaffoldWith(["database", "telegram"]);
    const { stdout } = await promisify(execFile)(process.execPath, ["--test"], {
      cwd: destination,
      timeout: 60_000,
    });
    // The summary, as the tap or the spec reporter prints it.
    expect(stdout).toMatch(/(#|ℹ) fail 0/);
    expect(stdout).toMatch(/(#|ℹ) pass [4-9]/);
  });

  it("keeps the secret answer out of the answers file", async () => {
    const { tree } = await render(
      {},
      { templateRoot, data: { project_name: "hello-api", session_secret: "canary-secret-7f3a" } },
    );
    expect(tree[".copier-answers.yml"]).not.toContain("canary-secret-7f3a");
    expect(JSON.stringify(tree)).not.toContain("canary-secret-7f3a");
  });
});
