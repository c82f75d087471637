/**
 * The templates page and its forms: the register form's texts become what `POST
 * /api/v1/templates` takes, checked by the same schema (`CreateTemplate`) and registered by the
 * same function (`registerTemplate`: audited, its check started); a template's manifest is
 * changed by the domain's `setTemplateManifest`, as `PATCH /api/v1/templates/{id}`; removing one
 * is the domain's `deleteTemplate`, confirmed by a checkbox. A manifest that is not JSON or does
 * not fit is said beside its form, which keeps what was typed.
 */
import { CreateTemplate } from "@codegen-orchestrator/shared";
import type { Context } from "hono";
import { assertAdminActor, isAdminActor } from "../domain/actor.ts";
import { ApiError } from "../domain/errors.ts";
import { setTemplateManifest } from "../domain/template-manifests.ts";
import { templateVersions } from "../domain/template-upgrades.ts";
import { deleteTemplate, findTemplate, listTemplates, toTemplate } from "../domain/templates.ts";
import { ensureBuiltinTemplatesChecked, recheckTemplate, registerTemplate } from "../templates/launch.ts";
import { assertMayChange } from "./changes.ts";
import { formFields, whatIsWrong } from "./forms.ts";
import type { PageEnv } from "./page-env.ts";
import { type ManifestEdit, readManifest } from "./template-manifest-form.tsx";
import {
  EMPTY_TEMPLATE_DRAFT,
  TEMPLATE_FIELD_LABELS,
  type TemplateDraft,
  TemplatesPage,
} from "./templates-page.tsx";

type PageContext = Context<PageEnv>;

const TEMPLATES_SHOWN = 100;

async function templatesPage(
  c: PageContext,
  status: 200 | 400 | 409,
  draft: TemplateDraft,
  error?: string,
  manifestEdit?: ManifestEdit,
) {
  await ensureBuiltinTemplatesChecked(c.env, c.get("db"));
  const rows = await listTemplates(c.get("db"), c.get("principal"), { limit: TEMPLATES_SHOWN });
  const versions = await templateVersions(c.get("db"), c.get("principal"), {});
  const page = (
    <TemplatesPage
      user={c.get("user")}
      templates={rows.map(toTemplate)}
      versions={versions}
      admin={isAdminActor(c.get("principal"))}
      notice={c.req.query("notice")?.slice(0, 200)}
      error={error}
      draft={draft}
      manifestEdit={manifestEdit}
    />
  );
  return c.html(page, status);
}

export const showTemplates = (c: PageContext) => templatesPage(c, 200, EMPTY_TEMPLATE_DRAFT);

const text = (fields: Record<string, string | string[]>, name: string) => {
  const value = fields[name];
  return typeof value === "string" ? value.trim() : "";
};

/** The draft as `CreateTemplate`'s input: the source its kind names, tags split at commas. */
function templateInput(draft: TemplateDraft): Record<string, unknown> {
  const source =
    draft.kind === "builtin"
      ? { kind: "builtin", path: draft.path }
      : { kind: "git", url: draft.url, ...(draft.version ? { version: draft.version } : {}) };
  const tags = draft.tags
    .split(",")
    .map((tag) => tag.trim())
    .filter(Boolean);
  return { name: draft.name, title: draft.title, description: draft.description, tags, source };
}

export async function registerTemplateFromPage(c: PageContext) {
  assertMayChange(c);
  const fields = await formFields(c);
  const draft: TemplateDraft = {
    name: text(fields, "name"),
    title: text(fields, "title"),
    description: text(fields, "description"),
    tags: text(fields, "tags"),
    kind: text(fields, "kind") === "builtin" ? "builtin" : "git",
    path: text(fields, "path"),
    url: text(fields, "url"),
    version: text(fields, "version"),
    manifest: text(fields, "manifest"),
  };
  const manifest = readManifest(draft.manifest);
  if ("error" in manifest) return templatesPage(c, 400, draft, manifest.error);
  const input = CreateTemplate.safeParse({
    ...templateInput(draft),
    ...(manifest.manifest ? { manifest: manifest.manifest } : {}),
  });
  if (!input.success) return templatesPage(c, 400, draft, whatIsWrong(input.error, TEMPLATE_FIELD_LABELS));
  try {
    const row = await registerTemplate(c.env, c.get("db"), c.get("principal"), input.data);
    const notice = `${row.name} is registered; an executor is checking it now.`;
    return c.redirect(`/templates?notice=${encodeURIComponent(notice)}`, 303);
  } catch (err) {
    // A name taken, a URL the policy refuses: said beside the form, which keeps what was typed.
    if (err instanceof ApiError && (err.status === 409 || err.status === 400))
      return templatesPage(c, err.status, draft, err.message);
    throw err;
  }
}

export async function removeTemplateFromPage(c: PageContext) {
  assertMayChange(c);
  const fields = await formFields(c);
  if (text(fields, "confirm") !== "yes")
    return templatesPage(c, 400, EMPTY_TEMPLATE_DRAFT, "Tick the box to confirm the removal.");
  await deleteTemplate(c.get("db"), c.get("principal"), c.req.param("id") ?? "");
  return c.redirect(`/templates?notice=${encodeURIComponent("The template is removed.")}`, 303);
}

/** An admin changes a template's manifest (empty: removes it); a refused one is said in its form. */
export async function saveTemplateManifestFromPage(c: PageContext) {
  assertMayChange(c);
  assertAdminActor(c.get("principal"));
  const id = c.req.param("id") ?? "";
  const typed = text(await formFields(c), "manifest");
  const read = readManifest(typed);
  if ("error" in read) {
    // A template that is not there (or not the admin's to see) is a 404, not a form to show again.
    await findTemplate(c.get("db"), c.get("principal"), id);
    return templatesPage(c, 400, EMPTY_TEMPLATE_DRAFT, undefined, {
      templateId: id,
      text: typed,
      error: read.error,
    });
  }
  const row = await setTemplateManifest(c.get("db"), c.get("principal"), id, read.manifest);
  const notice = `The manifest of ${row.name} is ${read.manifest ? "saved" : "removed"}.`;
  return c.redirect(`/templates?notice=${encodeURIComponent(notice)}`, 303);
}

/** An admin checks a ready git template for a newer release now (as `POST /api/v1/templates/{id}/check`). */
export async function recheckTemplateFromPage(c: PageContext) {
  assertMayChange(c);
  const row = await recheckTemplate(c.env, c.get("db"), c.get("principal"), c.req.param("id") ?? "");
  const notice = `${row.name} is being checked for a newer release; projects behind it will be offered their upgrade.`;
  return c.redirect(`/templates?notice=${encodeURIComponent(notice)}`, 303);
}
