/**
 * The template a project is scaffolded from: its own catalog entry, or the default template when
 * it names none; and the record, once it is scaffolded, of which template and version it came from.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projects, templates } from "../db/schema.ts";
import { DEFAULT_TEMPLATE_ID, ensureDefaultTemplate, type TemplateRow } from "./templates.ts";

/** A question as the Preparer needs it: its name, and the text values of a fixed list of choices. */
export interface ScaffoldQuestion {
  name: string;
  choices: string[] | null;
}

export interface ScaffoldTemplate {
  id: string;
  name: string;
  /** As a copier job names it: a git template at the tag (else the commit) its check resolved. */
  source: { path: string } | { url: string; ref: string };
  /** What the project records: a git template's tag or commit; null for a built-in one. */
  version: string | null;
  /** Null while the template is not inspected yet (only the default can be used so). */
  questions: ScaffoldQuestion[] | null;
}

const scaffoldQuestions = (row: TemplateRow): ScaffoldQuestion[] | null =>
  row.questions?.map((question) => ({
    name: question.name,
    choices: Array.isArray(question.choices)
      ? question.choices.flatMap((choice) => (typeof choice.value === "string" ? [choice.value] : []))
      : null,
  })) ?? null;

/** The project's template, or why it cannot be scaffolded from it. */
export async function templateForProject(
  db: Db,
  projectId: string,
): Promise<{ template: ScaffoldTemplate } | { error: string }> {
  const [project] = await db
    .select({ templateId: projects.templateId })
    .from(projects)
    .where(eq(projects.id, projectId));
  if (!project) return { error: "The project no longer exists." };
  if (project.templateId === null) await ensureDefaultTemplate(db);
  const id = project.templateId ?? DEFAULT_TEMPLATE_ID;
  const [row] = await db.select().from(templates).where(eq(templates.id, id));
  if (!row || row.deletedAt)
    return { error: "The project's template was removed from the catalog; choose another." };
  if (row.sourceKind === "builtin")
    return {
      template: {
        id,
        name: row.name,
        source: { path: row.source },
        version: null,
        questions: scaffoldQuestions(row),
      },
    };
  const ref = row.versionTag ?? row.versionCommit;
  if (row.status !== "ready" || !ref)
    return { error: `The template ${row.name} is not ready (${row.status}).` };
  return {
    template: {
      id,
      name: row.name,
      source: { url: row.source, ref },
      version: ref,
      questions: scaffoldQuestions(row),
    },
  };
}
