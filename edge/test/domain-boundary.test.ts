/**
 * D1's tables are reached through the domain layer only: outside `domain/` and `db/`, no file under
 * edge/src imports `db/schema.ts` (nor the schema `db/client.ts` re-exports). The sources are read
 * as text at build time (Vite's `import.meta.glob`), so the check runs in workerd like the rest.
 */
/// <reference types="vite/types/importMeta.d.ts" />
import { describe, expect, it } from "vitest";

const sources = import.meta.glob<string>("../src/**/*.{ts,tsx}", {
  query: "?raw",
  import: "default",
  eager: true,
});

/** Directories of edge/src that may import the schema. */
const EXEMPT = ["domain/", "db/"];

/**
 * Every module specifier a file names: `import … from "…"`, `export … from "…"`, `import "…"`,
 * `import("…")`, with the clause before it (the names imported).
 */
function specifiers(source: string): { specifier: string; clause: string }[] {
  const statements = /\b(?:import|export)\b([^"'`;]*?)["']([^"']+)["']/g;
  return [...source.matchAll(statements)].map((match) => ({
    clause: match[1] ?? "",
    specifier: match[2] ?? "",
  }));
}

/** `../db/schema.ts` named in `chat/commands.ts` → `db/schema.ts`; package imports → null. */
function resolve(file: string, specifier: string): string | null {
  if (!specifier.startsWith(".")) return null;
  return new URL(specifier, `file:///src/${file}`).pathname.replace(/^\/src\//, "");
}

/** The files (relative to edge/src) that reach the schema outside the exempt directories, with how. */
function schemaImporters(files: Record<string, string>): string[] {
  const offences: string[] = [];
  for (const [path, source] of Object.entries(files)) {
    const file = path.replace(/^\.\.\/src\//, "");
    if (EXEMPT.some((dir) => file.startsWith(dir))) continue;
    for (const { specifier, clause } of specifiers(source)) {
      const target = resolve(file, specifier);
      const viaClient = target === "db/client.ts" && /\bschema\b/.test(clause);
      if (target === "db/schema.ts" || viaClient) offences.push(`${file} imports ${specifier}`);
    }
  }
  return offences;
}

describe("the domain layer", () => {
  it("reads the sources it checks", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(50);
    expect(Object.keys(sources)).toContain("../src/db/schema.ts");
  });

  it("is the only importer of db/schema outside db/", () => {
    expect(schemaImporters(sources)).toEqual([]);
  });

  it("would catch a file that imports the schema", () => {
    expect(
      schemaImporters({
        "../src/chat/x.ts": 'import { users } from "../db/schema.ts";',
        "../src/api/routes/y.ts": 'import type {\n  projects,\n} from "../../db/schema.ts";',
        "../src/z.ts": 'export * from "./db/schema.ts";\nconst s = await import("./db/schema.ts");',
        "../src/chat/w.ts": 'import { database, schema } from "../db/client.ts";',
        "../src/domain/ok.ts": 'import { users } from "../db/schema.ts";',
        "../src/chat/fine.ts": 'import { database } from "../db/client.ts";\nimport { z } from "zod";',
      }),
    ).toEqual([
      "chat/x.ts imports ../db/schema.ts",
      "api/routes/y.ts imports ../../db/schema.ts",
      "z.ts imports ./db/schema.ts",
      "z.ts imports ./db/schema.ts",
      "chat/w.ts imports ../db/client.ts",
    ]);
  });
});
