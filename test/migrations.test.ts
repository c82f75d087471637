/**
 * The committed migrations must match `edge/src/db/schema.ts`: drizzle-kit, asked to generate
 * against a copy of them, must find nothing to add. A deliberately drifted schema proves the check
 * can fail.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const drizzleKit = path.join(root, "node_modules", ".bin", "drizzle-kit");
// Inside the repository so that the schema's imports resolve from its node_modules.
const scratch = path.join(root, "node_modules", ".cache", "migration-check");

async function generate(schema: string): Promise<{ output: string; newFiles: string[] }> {
  await mkdir(scratch, { recursive: true });
  const out = await mkdtemp(path.join(scratch, "out-"));
  await cp(path.join(root, "migrations"), out, { recursive: true });
  const before = new Set(await readdir(out));
  const { stdout, stderr } = await promisify(execFile)(
    drizzleKit,
    // drizzle-kit wants paths relative to the working directory.
    [
      "generate",
      "--dialect",
      "sqlite",
      "--schema",
      path.relative(root, schema),
      "--out",
      path.relative(root, out),
    ],
    { cwd: root, env: { ...process.env, NO_COLOR: "1" } },
  );
  const newFiles = (await readdir(out)).filter((file) => !before.has(file));
  return { output: stdout + stderr, newFiles };
}

afterAll(() => rm(scratch, { recursive: true, force: true }));

describe("D1 migrations", () => {
  it("agree with the drizzle schema", async () => {
    const { output, newFiles } = await generate(path.join(root, "edge/src/db/schema.ts"));
    expect(newFiles, `run \`npm run db:generate\` and commit the migration:\n${output}`).toEqual([]);
    expect(output).toMatch(/No schema changes/i);
  });

  it("are reported as stale when the schema drifts", async () => {
    const source = await readFile(path.join(root, "edge/src/db/schema.ts"), "utf8");
    const drifted = source.replace(
      'name: text("name").notNull(),',
      'name: text("name").notNull(),\n  nickname: text("nickname"),',
    );
    expect(drifted).not.toBe(source);
    // The whole folder: the schema re-exports a table from a module beside it.
    const dir = path.join(scratch, "drifted-db");
    await cp(path.join(root, "edge/src/db"), dir, { recursive: true });
    const schema = path.join(dir, "schema.ts");
    await writeFile(schema, drifted);
    const { newFiles } = await generate(schema);
    expect(newFiles.filter((file) => file.endsWith(".sql"))).toHaveLength(1);
  });

  it("0006 names existing projects' resources by their slug, the older project first", async () => {
    const db = new DatabaseSync(":memory:");
    const files = (await readdir(path.join(root, "migrations")))
      .filter((file) => file.endsWith(".sql"))
      .sort();
    const apply = async (file: string) =>
      db.exec(
        await readFile(path.join(root, "migrations", file), "utf8").then((sql) =>
          sql.replaceAll("--> statement-breakpoint", ""),
        ),
      );
    const resourceNames = files.indexOf("0006_project_resource_name.sql");
    for (const file of files.slice(0, resourceNames)) await apply(file);
    db.exec(
      "INSERT INTO users (id, name, created_at, updated_at) VALUES ('u1', 'A', 0, 0), ('u2', 'B', 0, 0)",
    );
    const project = db.prepare(
      "INSERT INTO projects (id, owner_id, slug, name, modules, created_at, updated_at) VALUES (?, ?, ?, 'p', '[]', 0, 0)",
    );
    project.run("01J0000000000000000000AAAA", "u1", "shop-api");
    project.run("01J0000000000000000000BBBB", "u2", "shop-api");
    project.run("01J0000000000000000000CCCC", "u2", "1st");
    for (const file of files.slice(resourceNames)) await apply(file);
    expect(db.prepare("SELECT id, resource_name AS name FROM projects ORDER BY id").all()).toEqual([
      { id: "01J0000000000000000000AAAA", name: "shop-api" },
      { id: "01J0000000000000000000BBBB", name: "shop-api-00bbbb" },
      { id: "01J0000000000000000000CCCC", name: "svc-1st" },
    ]);
    db.close();
  });
});
