/** Temp dirs for tests, all removed by `removeTempDirs` (with any `<dir>.pid` a runner wrote beside one). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const made: string[] = [];

export async function tempDir(prefix = "co-test-"): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(
    made
      .splice(0)
      .flatMap((dir) => [rm(dir, { recursive: true, force: true }), rm(`${dir}.pid`, { force: true })]),
  );
}
