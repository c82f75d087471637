/**
 * Moving a rendered tree from its staging directory into the destination: a new destination in one
 * rename, else entry by entry, after every conflict is found (so a refused copy changes nothing).
 */
import { chmod, mkdir, readFile, rename, stat } from "node:fs/promises";
import path from "node:path";
import { ScaffoldError } from "./errors.ts";
import type { ScaffoldLog } from "./options.ts";
import type { RenderedEntry } from "./tree.ts";

export interface MoveRules {
  overwrite: (entry: RenderedEntry) => boolean;
  keep: (entry: RenderedEntry) => boolean;
  log: ScaffoldLog;
}

/** Moves the staged tree into place; every conflict is found before anything moves. */
export async function moveInto(
  staging: string,
  destination: string,
  entries: RenderedEntry[],
  rules: MoveRules,
) {
  // A new destination: the whole staged tree moves in one rename (mkdtemp made it 0700).
  if (!(await stat(destination).catch(() => null))) {
    await rename(staging, destination);
    await chmod(destination, 0o777 & ~process.umask());
    for (const entry of entries) rules.log("system", `${"create".padStart(10)}  ${entry.path}\n`);
    return;
  }
  const actions: { entry: RenderedEntry; action: "create" | "identical" | "skip" | "overwrite" }[] = [];
  const conflicts: string[] = [];
  for (const entry of entries) {
    const target = path.join(destination, entry.path);
    const existing = await stat(target).catch(() => null);
    if (!existing) actions.push({ entry, action: "create" });
    else if (entry.kind === "directory") actions.push({ entry, action: "identical" });
    else if (existing.isFile() && (await sameBytes(path.join(staging, entry.path), target)))
      actions.push({ entry, action: "identical" });
    else if (rules.keep(entry)) actions.push({ entry, action: "skip" });
    else if (rules.overwrite(entry)) actions.push({ entry, action: "overwrite" });
    else conflicts.push(entry.path);
  }
  if (conflicts.length > 0) {
    throw new ScaffoldError(
      "destination_error",
      `${conflicts.length} file${conflicts.length > 1 ? "s" : ""} already exist with other contents (${conflicts.slice(0, 5).join(", ")}${conflicts.length > 5 ? ", …" : ""}): pass overwrite (--overwrite) or choose an empty destination`,
    );
  }
  await mkdir(destination, { recursive: true });
  for (const { entry, action } of actions) {
    rules.log("system", `${action.padStart(10)}  ${entry.path}\n`);
    const target = path.join(destination, entry.path);
    if (entry.kind === "directory") await mkdir(target, { recursive: true });
    else if (action === "create" || action === "overwrite") {
      await mkdir(path.dirname(target), { recursive: true });
      await rename(path.join(staging, entry.path), target);
    }
  }
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [left, right] = await Promise.all([readFile(a), readFile(b)]);
  return left.equals(right);
}
