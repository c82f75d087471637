/**
 * The template catalog's manifest in the profile: a repository's own `orchestrator.json` wins as a
 * whole; without one, the catalog's declarations come before the conventions, each decision saying
 * it came from the catalog; and the same through the jobs that carry it: the `git` job's profile
 * step and the `test` job (real git, real processes).
 */
import {
  CatalogManifest,
  catalogManifestFrom,
  GitResult,
  GitSpec,
  TestResult,
  TestSpec,
} from "@codegen-orchestrator/shared";
import { afterAll, describe, expect, it } from "vitest";
import { runGit } from "../src/kinds/git/runner.ts";
import { runTest } from "../src/kinds/test/runner.ts";
import type { RepositoryView } from "../src/project/conventions.ts";
import { profileOf } from "../src/project/profile.ts";
import { writeTree } from "./scaffold/support.ts";
import { publishedProject, removeTempDirs, tempDir } from "./support/git-fixtures.ts";
import { runContext } from "./support/run-context.ts";

afterAll(removeTempDirs);

const FROM = catalogManifestFrom("compose-notes");

const view = (contents: Record<string, string>, others: string[] = []): RepositoryView => ({
  files: [...Object.keys(contents), ...others].sort(),
  contents,
  unread: [],
});

const catalog = (declares: Record<string, unknown>) => CatalogManifest.parse({ from: FROM, declares });

const MAKEFILE = "test:\n\tpytest\nrun:\n\tpython3 -m app\n";

describe("the profile with the template catalog's manifest", () => {
  it("takes the catalog's declarations before the conventions, each from the catalog", () => {
    const profile = profileOf(
      view({ Makefile: MAKEFILE }, ["tests/", "tests/test_app.py"]),
      catalog({
        test: { setup: ["make", "deps"], command: ["make", "check"] },
        service: {
          healthPath: "/ready",
          startupSeconds: 20,
          migrate: { command: ["python3", "-m", "app.migrate"] },
        },
      }),
    );
    expect(profile).toEqual({
      manifest: false,
      test: { setup: ["make", "deps"], command: ["make", "check"], docker: false, from: FROM },
      // The catalog names no start command: the conventions still decide it.
      start: { command: ["make", "run"], from: "Makefile: target `run`" },
      healthPath: { path: "/ready", from: FROM },
      startupSeconds: 20,
      migrate: { command: ["python3", "-m", "app.migrate"], service: null, from: FROM },
      compose: null,
      notes: [],
    });
    expect(FROM).toBe("the template catalog's manifest (compose-notes)");
  });

  it("lets the repository's own manifest win as a whole, noting the catalog's as not used", () => {
    const profile = profileOf(
      view({
        "orchestrator.json": JSON.stringify({ test: { command: ["npm", "test"] } }),
        Makefile: MAKEFILE,
      }),
      catalog({ test: { command: ["make", "check"] }, service: { start: ["serve"], healthPath: "/ready" } }),
    );
    expect(profile).toMatchObject({
      manifest: true,
      test: { command: ["npm", "test"], docker: false, from: "orchestrator.json" },
      // Not the catalog's start or health path: the repository's manifest names none, the conventions decide.
      start: { command: ["make", "run"], from: "Makefile: target `run`" },
      healthPath: { path: "/health", from: expect.stringMatching(/^assumed: \/health/) },
      startupSeconds: null,
      migrate: null,
    });
    expect(profile.notes).toEqual([`${FROM}: not used, as the repository has its own orchestrator.json`]);
  });

  it("is the same profile as before without a catalog manifest, or with an empty one", () => {
    const repository = view({ Makefile: MAKEFILE });
    const plain = profileOf(repository);
    expect(plain.test).toEqual({ command: ["make", "test"], docker: false, from: "Makefile: target `test`" });
    expect(profileOf(repository, catalog({}))).toEqual(plain);
  });

  it("bounds what a job may carry: the manifest's size, the label, no other keys", () => {
    const long = Array.from({ length: 64 }, () => "x".repeat(300));
    expect(CatalogManifest.safeParse({ from: FROM, declares: { test: { command: long } } }).success).toBe(
      false,
    );
    expect(CatalogManifest.safeParse({ from: "", declares: {} }).success).toBe(false);
    expect(CatalogManifest.safeParse({ from: FROM, declares: {}, extra: 1 }).success).toBe(false);
    const bad = CatalogManifest.safeParse({ from: FROM, declares: { service: { healthPath: "health" } } });
    expect(bad.error?.issues[0]?.path).toEqual(["declares", "service", "healthPath"]);
  });
});

/** A bare repository whose main has one commit of `files`. */
const project = async (files: Record<string, string>) =>
  publishedProject(await writeTree(await tempDir("co-catalog-work-"), files));

describe("the jobs that carry the catalog's manifest", () => {
  const declares = {
    test: { setup: ["sh", "-c", "echo set > made.txt"], command: ["sh", "-c", "cat made.txt; exit 0"] },
    service: { start: ["sh", "-c", "exec serve"] },
  };

  it("the git job's profile step goes by it, and logs where each decision came from", async () => {
    const repo = await project({ Makefile: MAKEFILE });
    const test = await runContext({}, "co-catalog-git-");
    const spec = GitSpec.parse({
      steps: [
        { op: "clone", url: repo.url },
        { op: "profile", manifest: { from: FROM, declares } },
      ],
    });
    const outcome = await runGit(spec, test.ctx);
    expect(outcome.status).toBe("succeeded");
    const profile = GitResult.parse(outcome.output).steps[1]?.profile;
    expect(profile).toMatchObject({
      manifest: false,
      test: { command: declares.test.command, from: FROM },
      start: { command: declares.service.start, from: FROM },
    });
    expect(profile?.notes).toEqual([]);
    expect(test.text("system")).toContain(`profile: tests: ${FROM}; start: ${FROM}; health path /health\n`);
  });

  it("the test job runs its setup and tests when the repository has no manifest", async () => {
    const repo = await project({ "README.md": "no manifest, no convention\n" });
    const test = await runContext({}, "co-catalog-test-");
    const spec = TestSpec.parse({ checkout: { url: repo.url }, manifest: { from: FROM, declares } });
    const outcome = await runTest(spec, test.ctx);
    expect(outcome.error).toBeUndefined();
    const result = TestResult.parse(outcome.output);
    expect(result).toMatchObject({ command: declares.test.command, commandFrom: FROM, passed: true });
    expect(result.output).toContain("set");
    expect(test.text("system")).toContain(`tests: sh -c cat made.txt; exit 0 (from ${FROM})`);

    // Without it, the same repository says nothing of its tests; a catalog manifest naming none is said too.
    const plain = await runTest(TestSpec.parse({ checkout: { url: repo.url } }), (await runContext()).ctx);
    expect(plain.error).toMatch(
      /^the repository does not say how to run its tests: it has no orchestrator\.json/,
    );
    const empty = TestSpec.parse({ checkout: { url: repo.url }, manifest: { from: FROM, declares: {} } });
    const none = await runTest(empty, (await runContext()).ctx);
    expect(none.error).toContain(`naming them, ${FROM} names none, and follows no convention`);
  });
});
