// The executor's layout rule: each job kind lives in kinds/<kind>/ (http_check and http_watch share kinds/http/), and the shared machinery
// (processes, containers, git, masking, the runner contract, scaffolding) imports no kind, nor
// does one kind import another. Only the registry (kinds/index.ts) and the one place that runs a
// job (daemon/run-job.ts) reach the kinds. Caught by looking for a file of another kind's folder,
// so the test is sure to fail the day a shared module imports one.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = fileURLToPath(new URL("../src", import.meta.url));
const MAY_IMPORT_KINDS = new Set(["kinds/index.ts", "daemon/run-job.ts"]);

const files = readdirSync(src, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
  .map((entry) => path.relative(src, path.join(entry.parentPath, entry.name)));

/** The kind a file belongs to (`kinds/<kind>/…`), or null for shared machinery. */
const kindOf = (file: string) => /^kinds\/([^/]+)\//.exec(file)?.[1] ?? null;

/** Each relative import of a file, resolved against the source root. */
function importsOf(file: string): string[] {
  const code = readFileSync(path.join(src, file), "utf8");
  return [...code.matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)].map((match) =>
    path.relative(src, path.resolve(path.dirname(path.join(src, file)), match[1] ?? "")),
  );
}

function violations(): string[] {
  return files.flatMap((file) => {
    if (MAY_IMPORT_KINDS.has(file)) return [];
    const own = kindOf(file);
    return importsOf(file)
      .filter((target) => kindOf(target) !== null && kindOf(target) !== own)
      .map((target) => `${file} imports ${target}`);
  });
}

describe("executor layout", () => {
  it("reads the sources and knows every kind's folder", () => {
    expect(files).toContain("kinds/index.ts");
    expect(new Set(files.map(kindOf).filter(Boolean))).toEqual(
      new Set(["agent", "ansible", "container", "copier", "exec", "git", "http", "test"]),
    );
  });

  it("keeps shared modules and the other kinds out of each kind's folder", () => {
    expect(violations()).toEqual([]);
  });

  it("resolves what a shared module imports to the kind it belongs to", () => {
    const fromJobs = importsOf("jobs/registry.ts");
    expect(fromJobs.length).toBeGreaterThan(0);
    expect(kindOf(path.relative(src, path.resolve(src, "jobs", "../kinds/git/runner.ts")))).toBe("git");
    expect(importsOf("daemon/run-job.ts")).toContain("kinds/index.ts");
  });
});
