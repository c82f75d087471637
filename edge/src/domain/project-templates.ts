/**
 * The template a project is scaffolded from: its own catalog entry, the one the Architect chose, or
 * the default template; and the record, once it is scaffolded, of which template and version it came from.
 */
import type { TemplateQuestion } from "@codegen-orchestrator/shared";
import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projects, templates } from "../db/schema.ts";
import { DEFAULT_TEMPLATE_ID, ensureBuiltinTemplates } from "./templates.ts";

export interface ScaffoldTemplate {
  id: string;
  name: string;
  /** As a copier job names it: a git template at the tag (else the commit) its check resolved. */
  source: { path: string } | { url: string; ref: string };
  /** What the project records: a git template's tag or commit; null for a built-in one. */
  version: string | null;
  /** Its copier.yml questions; null while the template is not inspected yet. */
  questions: TemplateQuestion[] | null;
}

/**
 * The project's template, or why it cannot be scaffolded from it: the one it names, else the one
 * the Architect chose (`chosen`), else the default.
 */
export async function templateForProject(
  db: Db,
  projectId: string,
  chosen?: string,
): Promise<{ template: ScaffoldTemplate } | { error: string }> {
  const [project] = await db
    .select({ templateId: projects.templateId })
    .from(projects)
    .where(eq(projects.id, projectId));
  if (!project) return { error: "The project no longer exists." };
  const id = project.templateId ?? chosen ?? DEFAULT_TEMPLATE_ID;
  if (id === DEFAULT_TEMPLATE_ID) await ensureBuiltinTemplates(db);
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
        questions: row.questions,
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
      questions: row.questions,
    },
  };
}
