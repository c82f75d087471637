/**
 * An update's `_migrations`, as Copier 9.3+ reads them (and the older `{version, before, after}`
 * form): commands like `_tasks`, run in the project before the template's changes are merged
 * (`_stage` before) and after (`_stage` after; a migration without `when` runs only then). One
 * with a `version` runs only when the update passes through it: new version >= it > old version
 * (PEP 440; a `git describe` between tags counts as its tag). Each sees VERSION_FROM, VERSION_TO,
 * VERSION_CURRENT and their VERSION_PEP440_* forms, as variables and in its environment.
 */
import { z } from "zod";
import type { Task } from "./config.ts";
import { ScaffoldError } from "./errors.ts";
import { compareVersions, parseVersion } from "./versions.ts";

const Command = z.union([z.string(), z.array(z.union([z.string(), z.number()]).transform(String))]);
const Migration = z.union([
  Command.transform((command) => ({ command, version: null, when: null, working_directory: "." })),
  z
    .object({
      command: Command,
      version: z.union([z.string(), z.number()]).transform(String).optional(),
      when: z.union([z.string(), z.boolean()]).optional(),
      working_directory: z.string().default("."),
    })
    .transform((m) => ({ ...m, version: m.version ?? null, when: m.when ?? null })),
  // Before Copier 9.3: a version with the commands of each stage.
  z
    .object({
      version: z.union([z.string(), z.number()]).transform(String),
      before: z.array(Command).default([]),
      after: z.array(Command).default([]),
    })
    .transform((m) => ({ legacy: m })),
]);

export interface PlannedMigration {
  task: Task;
  /** The version it is for (VERSION_CURRENT), null when it runs on every update. */
  version: string | null;
}

/** The migrations this update runs, in the template's order, each with its stage condition. */
export function plannedMigrations(
  raw: unknown[],
  from: string | null,
  to: string | null,
): PlannedMigration[] {
  const parsed = z.array(Migration).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ScaffoldError(
      "invalid_template",
      `_migrations[${String(issue?.path[0] ?? "?")}]: ${issue?.message ?? "invalid"}`,
    );
  }
  const planned: PlannedMigration[] = [];
  for (const item of parsed.data) {
    if ("legacy" in item) {
      const { version, before, after } = item.legacy;
      if (!passesThrough(version, from, to)) continue;
      for (const [stage, commands] of [
        ["before", before],
        ["after", after],
      ] as const) {
        for (const command of commands)
          planned.push({
            task: { command, when: `{{ _stage == '${stage}' }}`, working_directory: "." },
            version,
          });
      }
      continue;
    }
    if (item.version !== null && !passesThrough(item.version, from, to)) continue;
    const when = item.when ?? "{{ _stage == 'after' }}";
    planned.push({
      task: { command: item.command, when, working_directory: item.working_directory },
      version: item.version,
    });
  }
  return planned;
}

/** PEP 440 of a tag or a `git describe` (`v1.2.0-3-gabc1234` counts as `v1.2.0`); null if neither. */
export function pep440(describe: string | null): string | null {
  if (describe === null) return null;
  const version = parseVersion(describe.replace(/-\d+-g[0-9a-f]+$/, ""));
  if (!version) return null;
  return (
    version.release.join(".") +
    (version.pre ? `${version.pre[0]}${version.pre[1]}` : "") +
    (version.post !== null ? `.post${version.post}` : "") +
    (version.dev !== null ? `.dev${version.dev}` : "")
  );
}

/** Whether an update from → to passes through `version`: to >= version > from. */
function passesThrough(version: string, from: string | null, to: string | null): boolean {
  const [at, before, after] = [version, from, to].map((v) =>
    v === null ? null : parseVersion(pep440(v) ?? ""),
  );
  if (!at || !after) return false;
  return compareVersions(after, at) >= 0 && (!before || compareVersions(at, before) > 0);
}

/** The variables a migration sees (and, upper-cased without the `_`, its environment). */
export function migrationVariables(from: string | null, to: string | null, current: string | null) {
  const variables: Record<string, string> = {
    _version_from: from ?? "",
    _version_to: to ?? "",
    _version_pep440_from: pep440(from) ?? "",
    _version_pep440_to: pep440(to) ?? "",
  };
  if (current !== null) {
    variables._version_current = current;
    variables._version_pep440_current = pep440(current) ?? "";
  }
  const env = Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name.slice(1).toUpperCase(), value]),
  );
  return { variables, env };
}
