/**
 * A RunContext for runner tests: a fresh workdir (removed by `removeTempDirs`), logs and progress
 * reports kept for assertions.
 */
import path from "node:path";
import type { RunContext } from "../../src/jobs/runner.ts";
import { tempDir } from "./temp.ts";

export interface TestContext {
  ctx: RunContext;
  logs: { stream: string; chunk: string }[];
  /** Every progress report, in order. */
  progress: { message: string; percent?: number }[];
  /** One stream's text, or every line as `stream: chunk` when no stream is named. */
  text: (stream?: string) => string;
}

export async function runContext(
  overrides: Partial<RunContext> = {},
  prefix = "co-job-",
): Promise<TestContext> {
  const logs: { stream: string; chunk: string }[] = [];
  const progress: TestContext["progress"] = [];
  const workdir = overrides.workdir ?? (await tempDir(prefix));
  const ctx: RunContext = {
    jobId: "job",
    attempt: 1,
    workdir,
    cacheDir: path.join(workdir, "..", `${path.basename(workdir)}-cache`),
    templatesDir: path.resolve(import.meta.dirname, "../../../templates"),
    ansibleDir: path.resolve(import.meta.dirname, "../../../ansible"),
    deadlineAt: Date.now() + 30_000,
    secrets: {},
    signal: new AbortController().signal,
    log: (stream, chunk) => logs.push({ stream, chunk }),
    progress: (message, percent) => progress.push({ message, ...(percent === undefined ? {} : { percent }) }),
    ...overrides,
  };
  const text = (stream?: string) =>
    logs
      .filter((l) => stream === undefined || l.stream === stream)
      .map((l) => (stream === undefined ? `${l.stream}: ${l.chunk}` : l.chunk))
      .join("");
  return { ctx, logs, progress, text };
}
