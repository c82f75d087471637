/**
 * Reads a template's `copier.yml` / `copier.yaml`: multi-document YAML with `!include`, settings
 * (keys starting with `_`) split from questions, and both validated. Every error names the file
 * and, where it can, the line (of the YAML error, or of the key whose value is refused).
 */
import { existsSync, globSync, readFileSync } from "node:fs";
import path from "node:path";
import { type Document, isMap, isScalar, LineCounter, parseAllDocuments, type ScalarTag } from "yaml";
import { z } from "zod";
import { ScaffoldError } from "./errors.ts";
import { pyYamlOptions } from "./pyyaml.ts";

export const DEFAULT_EXCLUDE = [
  "copier.yaml",
  "copier.yml",
  "~*",
  "*.py[co]",
  "__pycache__",
  ".git",
  ".DS_Store",
  ".svn",
];
/** Settings whose values add up across documents; the rest: the last document wins. */
const CONCATENATED = new Set(["exclude", "jinja_extensions", "secret_questions", "skip_if_exists"]);

const stringList = z.union([z.string().transform((s) => [s]), z.array(z.string())]);

const Task = z.union([
  z.string(),
  z.array(z.union([z.string(), z.number()]).transform(String)),
  z.object({
    command: z.union([z.string(), z.array(z.union([z.string(), z.number()]).transform(String))]),
    when: z.union([z.string(), z.boolean()]).default(true),
    working_directory: z.string().default("."),
  }),
]);
export type Task = z.infer<typeof Task>;

const Settings = z.object({
  subdirectory: z.string().default(""),
  exclude: stringList.optional(),
  templates_suffix: z.string().nullable().default(".jinja"),
  skip_if_exists: stringList.default([]),
  answers_file: z.string().default(".copier-answers.yml"),
  envops: z.record(z.string(), z.unknown()).default({}),
  message_before_copy: z.string().default(""),
  message_after_copy: z.string().default(""),
  message_before_update: z.string().default(""),
  message_after_update: z.string().default(""),
  tasks: z.array(Task).default([]),
  /** Read so that an update can refuse them (it does not run them yet). */
  migrations: z.array(z.unknown()).default([]),
  jinja_extensions: stringList.default([]),
  /** Named YAML files of the destination, read into `_external_data` (external-data.ts). */
  external_data: z.record(z.string(), z.string()).default({}),
  secret_questions: stringList.default([]),
  preserve_symlinks: z.boolean().default(false),
  min_copier_version: z.union([z.string(), z.number()]).optional(),
});
export type Settings = z.infer<typeof Settings> & { templates_suffix: string };

const Question = z.object({
  type: z.string().optional(),
  default: z.unknown().optional(),
  choices: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown()), z.string()]).optional(),
  multiselect: z.boolean().default(false),
  validator: z.string().optional(),
  when: z.union([z.string(), z.boolean()]).optional(),
  help: z.string().optional(),
  secret: z.boolean().default(false),
  placeholder: z.string().optional(),
  multiline: z.union([z.boolean(), z.string()]).optional(),
  qmark: z.string().optional(),
});
export type QuestionSpec = z.infer<typeof Question> & { name: string; hasDefault: boolean };

export interface TemplateConfig {
  /** The file it came from, relative to the template root (null: the template has none). */
  file: string | null;
  settings: Settings;
  questions: QuestionSpec[];
}

const INCLUDE = Symbol("include");
type Include = { [INCLUDE]: string };

const includeTag: ScalarTag = {
  tag: "!include",
  resolve: (pattern: string) => ({ [INCLUDE]: pattern }) as unknown as string,
};

/** One YAML document's value, the file it is in, and the line of each of its top-level keys. */
interface LoadedDocument {
  value: unknown;
  file: string;
  lines: Map<string, number>;
}

/** Where each top-level key of a mapping document starts (1-based lines). */
function keyLines(doc: Document.Parsed, counter: LineCounter): Map<string, number> {
  const lines = new Map<string, number>();
  if (!isMap(doc.contents)) return lines;
  for (const pair of doc.contents.items) {
    const key = pair.key;
    if (isScalar(key) && key.range) lines.set(String(key.value), counter.linePos(key.range[0]).line);
  }
  return lines;
}

function loadDocuments(file: string, root: string, seen: Set<string>): LoadedDocument[] {
  if (seen.has(file))
    throw new ScaffoldError("invalid_template", `!include loops back to ${path.relative(root, file)}`);
  const relative = path.relative(root, file);
  const counter = new LineCounter();
  let docs: Document.Parsed[];
  try {
    const text = readFileSync(file, "utf8");
    docs = parseAllDocuments(text, {
      ...pyYamlOptions([includeTag]),
      lineCounter: counter,
    }) as Document.Parsed[];
  } catch (error) {
    throw new ScaffoldError("invalid_template", `cannot read ${relative}: ${(error as Error).message}`, {
      file: relative,
    });
  }
  const out: LoadedDocument[] = [];
  for (const doc of docs) {
    const problem = doc.errors[0];
    if (problem) {
      throw new ScaffoldError("invalid_template", `invalid YAML: ${problem.message.split("\n")[0]}`, {
        file: relative,
        line: problem.linePos?.[0]?.line,
      });
    }
    const value = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value === "object" && INCLUDE in value) {
      const pattern = (value as Include)[INCLUDE];
      if (path.isAbsolute(pattern))
        throw new ScaffoldError("invalid_template", `!include needs a relative path: ${pattern}`, {
          file: relative,
        });
      const dir = path.dirname(file);
      for (const match of globSync(pattern, { cwd: dir }).sort()) {
        out.push(...loadDocuments(path.join(dir, match), root, new Set([...seen, file])));
      }
      continue;
    }
    out.push({ value, file: relative, lines: keyLines(doc, counter) });
  }
  return out;
}

/** Where a key was written: its file, and its line when known. */
type Location = { file?: string; line?: number };

function issues(error: z.ZodError, prefix: string) {
  return error.issues.map((issue) => `${prefix}${issue.path.join(".")}: ${issue.message}`).join("; ");
}

/** Loads and validates the configuration of the template at `root`. */
export function loadTemplateConfig(root: string): TemplateConfig {
  const candidates = ["copier.yml", "copier.yaml"].filter((name) => existsSync(path.join(root, name)));
  if (candidates.length > 1)
    throw new ScaffoldError("invalid_template", "the template has both copier.yml and copier.yaml");
  const file = candidates[0] ?? null;
  const merged: Record<string, unknown> = {};
  const where = new Map<string, Location>();
  const at = (key: string): Location => where.get(key) ?? { file: file ?? undefined };
  if (file) {
    for (const doc of loadDocuments(path.join(root, file), root, new Set())) {
      if (typeof doc.value !== "object" || doc.value === null || Array.isArray(doc.value)) {
        throw new ScaffoldError("invalid_template", "each YAML document must be a mapping", {
          file: doc.file,
        });
      }
      for (const [key, value] of Object.entries(doc.value)) {
        where.set(key, { file: doc.file, line: doc.lines.get(key) });
        const setting = key.startsWith("_") ? key.slice(1) : null;
        if (setting && CONCATENATED.has(setting) && key in merged) {
          merged[key] = [...[merged[key]].flat(), ...[value].flat()];
        } else {
          merged[key] = value;
        }
      }
    }
  }
  const rawSettings = Object.fromEntries(
    Object.entries(merged)
      .filter(([key]) => key.startsWith("_"))
      .map(([key, value]) => [key.slice(1), value]),
  );
  const settings = Settings.safeParse(rawSettings);
  if (!settings.success) {
    const first = settings.error.issues[0]?.path[0];
    throw new ScaffoldError(
      "invalid_template",
      `invalid settings: ${issues(settings.error, "_")}`,
      at(`_${String(first)}`),
    );
  }
  const secretNames = new Set(settings.data.secret_questions);
  const questions: QuestionSpec[] = [];
  for (const [name, raw] of Object.entries(merged)) {
    if (name.startsWith("_")) continue;
    const shape = raw !== null && typeof raw === "object" && !Array.isArray(raw) ? raw : { default: raw };
    const parsed = Question.safeParse(shape);
    if (!parsed.success) {
      throw new ScaffoldError(
        "invalid_template",
        `invalid question: ${issues(parsed.error, `${name}.`)}`,
        at(name),
      );
    }
    const question = { ...parsed.data, name, hasDefault: "default" in shape };
    if (secretNames.has(name)) question.secret = true;
    if (question.secret && !question.hasDefault) {
      throw new ScaffoldError(
        "invalid_template",
        `secret question \`${name}\` needs a default value`,
        at(name),
      );
    }
    questions.push(question);
  }
  return {
    file,
    settings: { ...settings.data, templates_suffix: settings.data.templates_suffix ?? ".jinja" },
    questions,
  };
}
