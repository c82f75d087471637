/**
 * The `read` step of `git` jobs: files of the checkout's working tree, as text, for the hub. Paths
 * are relative and free of `..` (the schema sees to that); symlinks are followed only while they
 * stay inside the checkout, and nothing is ever truncated: a file the caller would get only part
 * of fails the step instead.
 */
import { constants } from "node:fs";
import { open, realpath } from "node:fs/promises";
import path from "node:path";
import type { GitStep } from "@codegen-orchestrator/shared";
import { readAtMost } from "../../files/bounded-read.ts";

type ReadStep = Extract<GitStep, { op: "read" }>;

/**
 * The most the files of one job may add to its result as JSON (paths and escaped text). The
 * schema caps the raw bytes lower; this catches what escaping adds (quotes, backslashes, control
 * characters) and keeps the result frame under the protocol's 256 KiB.
 */
export const READ_RESULT_BYTES = 224 * 1024;

/** What the read steps of one job have added to its result so far, as JSON bytes. */
export interface ReadBudget {
  used: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads a read step's paths under `checkout`; null for a path with no regular file. */
export async function readCheckoutFiles(
  checkout: string,
  step: ReadStep,
  budget: ReadBudget,
  log: (line: string) => void,
): Promise<Record<string, string | null>> {
  const root = await realpath(checkout);
  const files: Record<string, string | null> = {};
  for (const relative of step.paths) {
    const text = await readOne(root, relative, step.maxBytes);
    budget.used += jsonBytes(relative) + jsonBytes(text);
    if (budget.used > READ_RESULT_BYTES) {
      throw new Error(
        `reading ${relative} takes the files read by this job over ${READ_RESULT_BYTES} bytes of result (as JSON): read fewer or smaller files`,
      );
    }
    files[relative] = text;
    log(`read ${relative}: ${text === null ? "no file" : `${Buffer.byteLength(text)} bytes`}\n`);
  }
  return files;
}

async function readOne(root: string, relative: string, maxBytes: number): Promise<string | null> {
  let real: string;
  try {
    real = await realpath(path.join(root, relative));
  } catch (err) {
    // Missing, a dangling symlink, or a file where the path wants a directory.
    if (isErrno(err, "ENOENT", "ENOTDIR")) return null;
    throw new Error(`${relative} cannot be read: ${(err as Error).message}`);
  }
  if (real !== root && !real.startsWith(`${root}${path.sep}`))
    throw new Error(`${relative} is a symlink, or goes through one, that leads outside the checkout`);
  // `real` has no symlinks left: O_NOFOLLOW makes sure none appeared since. O_NONBLOCK keeps a FIFO
  // from holding the open up; it is not a regular file, so it is never read.
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    (err: unknown) => {
      if (isErrno(err, "ENOENT")) return null;
      if (isErrno(err, "ELOOP")) throw new Error(`${relative} turned into a symlink while it was read`);
      throw err;
    },
  );
  if (!handle) return null;
  try {
    const info = await handle.stat();
    if (!info.isFile()) return null;
    const tooLarge = () =>
      new Error(`${relative} is larger than the read limit of ${maxBytes} bytes (maxBytes); it was not read`);
    if (info.size > maxBytes) throw tooLarge();
    const content = await readAtMost(handle, maxBytes);
    if (content === null) throw tooLarge();
    if (content.includes(0)) throw new Error(`${relative} is binary (it contains a NUL byte), not text`);
    try {
      return utf8.decode(content);
    } catch {
      throw new Error(`${relative} is not UTF-8 text`);
    }
  } finally {
    await handle.close();
  }
}

function jsonBytes(value: string | null): number {
  return Buffer.byteLength(JSON.stringify(value));
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && codes.includes((err as NodeJS.ErrnoException).code ?? "");
}
