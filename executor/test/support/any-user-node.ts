/**
 * A Node binary that every user may run: deployed services run as their project's own unprivileged
 * user, so the Node a test deploys them with must be reachable by that user. The test's own Node
 * when every directory above it is open to others; otherwise a copy in a 0755 directory of the
 * temp dir, made once per Node version.
 *
 *   start_command: `${anyUserNode()} server.js`
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

function openToOthers(file: string): boolean {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === path.dirname(dir)) return true;
  }
}

export function anyUserNode(): string {
  if (openToOthers(process.execPath) && (statSync(process.execPath).mode & 0o001) !== 0)
    return process.execPath;
  const dir = path.join(tmpdir(), `co-node-${process.version}`);
  const copy = path.join(dir, "node");
  if (!existsSync(copy)) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const partial = `${copy}.${process.pid}`;
    copyFileSync(process.execPath, partial);
    chmodSync(partial, 0o755);
    // A rename is atomic: parallel test files never run a half-copied binary.
    renameSync(partial, copy);
  }
  chmodSync(dir, 0o755);
  return copy;
}
