/**
 * A catalog entry's manifest on the templates page: the JSON an admin types (in the register form,
 * or a template's own form to change it), read into a `ProjectManifest` by the API's schema, with
 * what is wrong said in words (not JSON, or which field does not fit); members see it as text.
 */
import { type ProjectManifest, readManifestText, TemplateManifest } from "@codegen-orchestrator/shared";

/** The manifest as it is shown and edited: indented JSON, "" for none. */
export const manifestText = (manifest: ProjectManifest | null) =>
  manifest ? JSON.stringify(manifest, null, 2) : "";

/** What an admin typed, read: the manifest (null when the field is empty), or what is wrong with it. */
export function readManifest(text: string): { manifest: ProjectManifest | null } | { error: string } {
  if (!text.trim()) return { manifest: null };
  const read = readManifestText(text, TemplateManifest);
  return "problem" in read ? { error: `The manifest ${read.problem}.` } : read;
}

/** A template's manifest being changed, as typed, and what was wrong with it. */
export interface ManifestEdit {
  templateId: string;
  text: string;
  error: string;
}

const HINT =
  'An orchestrator.json for projects whose repository has none (a third-party template): it comes before the conventions, and the repository\'s own manifest wins. JSON, such as {"test": {"command": ["make", "check"]}, "service": {"start": ["make", "run"], "healthPath": "/health"}}; empty: none.';

/** The manifest's textarea, with its hint. */
export function ManifestField(props: { id: string; value: string; invalid?: boolean }) {
  const hintId = `${props.id}-hint`;
  return (
    <div>
      <label for={props.id}>Manifest</label>
      <textarea
        id={props.id}
        name="manifest"
        rows={6}
        maxlength={32_768}
        spellcheck={false}
        aria-invalid={props.invalid ? "true" : undefined}
        aria-describedby={hintId}
      >
        {props.value}
      </textarea>
      <p class="hint" id={hintId}>
        {HINT}
      </p>
    </div>
  );
}

/** A template's manifest: its form for admins (with what was typed and wrong, after a refusal), text for members. */
export function TemplateManifestSection(props: {
  template: { id: string; name: string; manifest: ProjectManifest | null };
  admin: boolean;
  edit?: ManifestEdit | undefined;
}) {
  const { template, edit } = props;
  const current = manifestText(template.manifest);
  if (!props.admin)
    return current ? (
      <details>
        <summary>Its manifest</summary>
        <pre class="panel">{current}</pre>
      </details>
    ) : null;
  const errorId = `manifest-error-${template.id}`;
  return (
    <details open={edit ? true : undefined}>
      <summary>Its manifest{current ? "" : " (none)"}</summary>
      {edit ? (
        <p class="error" role="alert" id={errorId}>
          {edit.error}
        </p>
      ) : null}
      <form method="post" action={`/templates/${template.id}/manifest`}>
        <ManifestField id={`manifest-${template.id}`} value={edit ? edit.text : current} invalid={!!edit} />
        <p>
          <button class="secondary" type="submit">
            Save the manifest of {template.name}
          </button>
        </p>
      </form>
    </details>
  );
}
