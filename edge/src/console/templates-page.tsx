/**
 * The template catalog's page: every template a project can be built from, with what it builds,
 * where it comes from (a built-in directory, or a git repository at the release its constraint
 * chose), its status, the questions its `copier.yml` asks and its manifest; admins also see the
 * ones being checked or refused (with the file and line), register one, change its manifest,
 * check a git one for a newer release and remove one. Below, the projects' template versions.
 */
import type { ProjectTemplateVersion, Template, TemplateQuestion } from "@codegen-orchestrator/shared";
import { TextField } from "./fields.tsx";
import { Notice, Page, Problem, type SignedIn } from "./layout.tsx";
import { Table } from "./table.tsx";
import { type ManifestEdit, ManifestField, TemplateManifestSection } from "./template-manifest-form.tsx";
import { RecheckForm, TemplateVersions } from "./template-versions.tsx";

/** The register form as typed, to show it again beside what was wrong. */
export interface TemplateDraft {
  name: string;
  title: string;
  description: string;
  tags: string;
  kind: "builtin" | "git";
  path: string;
  url: string;
  version: string;
  /** The manifest's JSON, as typed ("" for none). */
  manifest: string;
}

export const EMPTY_TEMPLATE_DRAFT: TemplateDraft = {
  name: "",
  title: "",
  description: "",
  tags: "",
  kind: "git",
  path: "",
  url: "",
  version: "",
  manifest: "",
};

export const TEMPLATE_FIELD_LABELS: Record<string, string> = {
  name: "Name",
  title: "Title",
  description: "What it builds",
  tags: "Tags",
  source: "Source",
  manifest: "Manifest",
};

interface Props {
  user: SignedIn;
  templates: Template[];
  /** The projects built from git templates the user may see, and their versions. */
  versions: ProjectTemplateVersion[];
  admin: boolean;
  notice?: string | undefined;
  error?: string | undefined;
  draft: TemplateDraft;
  /** A template's manifest refused, as typed: shown again in its own form. */
  manifestEdit?: ManifestEdit | undefined;
}

export function TemplatesPage(props: Props) {
  return (
    <Page title="Templates" user={props.user}>
      <h1>Templates</h1>
      <p class="muted">
        The Copier templates a project can be built from. The Architect chooses one for each project from what
        the template says it builds, then answers its questions.
      </p>
      <Notice text={props.notice} />
      {props.templates.length === 0 ? (
        <p class="muted">
          No template is ready yet: an executor is checking the built-in ones. Reload in a moment.
        </p>
      ) : (
        <ul class="cards single">
          {props.templates.map((template) => (
            <TemplateCard
              template={template}
              admin={props.admin}
              edit={props.manifestEdit?.templateId === template.id ? props.manifestEdit : undefined}
            />
          ))}
        </ul>
      )}
      <TemplateVersions rows={props.versions} />
      {props.admin ? <RegisterForm draft={props.draft} error={props.error} /> : null}
    </Page>
  );
}

function sourceText(template: Template): string {
  if (template.source.kind === "builtin") return `built in: ${template.source.path}`;
  const release = template.version?.tag ?? template.version?.commit.slice(0, 12);
  const constraint = template.source.version ? ` (${template.source.version})` : "";
  return `${template.source.url}${constraint}${release ? ` at ${release}` : ""}`;
}

function TemplateCard(props: { template: Template; admin: boolean; edit?: ManifestEdit | undefined }) {
  const { template } = props;
  const error = template.error;
  return (
    <li class="card">
      <h2>
        {template.title}{" "}
        <span class={`status status-${template.status === "invalid" ? "failed" : template.status}`}>
          {template.status}
        </span>
      </h2>
      <dl>
        <dt>Name</dt>
        <dd>
          <code>{template.name}</code>
          {template.default ? " (the default)" : null}
        </dd>
        <dt>Builds</dt>
        <dd>{template.description}</dd>
        <dt>Source</dt>
        <dd>{sourceText(template)}</dd>
        {template.tags.length > 0 ? (
          <>
            <dt>Tags</dt>
            <dd>{template.tags.join(", ")}</dd>
          </>
        ) : null}
      </dl>
      {error ? (
        <p class="error">
          {error.message}
          {error.file ? ` (${error.file}${error.line ? `, line ${error.line}` : ""})` : null}
        </p>
      ) : null}
      {template.questions ? <Questions id={template.id} questions={template.questions} /> : null}
      <TemplateManifestSection template={template} admin={props.admin} edit={props.edit} />
      {props.admin ? <RecheckForm template={template} /> : null}
      {props.admin && !template.default ? <RemoveForm template={template} /> : null}
    </li>
  );
}

function choicesText(question: TemplateQuestion): string {
  if (question.choices === undefined) return "";
  if (typeof question.choices === "string") return "(computed by the template)";
  return question.choices.map((choice) => String(choice.value)).join(", ");
}

function Questions(props: { id: string; questions: TemplateQuestion[] }) {
  const rows = props.questions.map((question) => [
    <code>{question.name}</code>,
    `${question.type}${question.multiselect ? ", several" : ""}${question.secret ? ", secret" : ""}`,
    question.help ?? "",
    choicesText(question),
  ]);
  return (
    <details>
      <summary>Its questions ({props.questions.length})</summary>
      <p class="muted" id={`questions-${props.id}`}>
        What the Architect answers for a project (a secret one is left to the deployer).
      </p>
      <Table
        labelledBy={`questions-${props.id}`}
        headers={["Question", "Type", "Help", "Choices"]}
        rows={rows}
        stacked
      />
    </details>
  );
}

function RemoveForm(props: { template: Template }) {
  const id = `remove-${props.template.id}`;
  return (
    <form method="post" action={`/templates/${props.template.id}/delete`}>
      <label class="inline" for={id}>
        <input id={id} type="checkbox" name="confirm" value="yes" required /> Remove {props.template.name}{" "}
        from the catalog (projects built from it keep their code)
      </label>{" "}
      <button class="secondary" type="submit">
        Remove
      </button>
    </form>
  );
}

function RegisterForm(props: { draft: TemplateDraft; error?: string | undefined }) {
  const { draft } = props;
  return (
    <section aria-labelledby="register">
      <h2 id="register">Register a template</h2>
      <Problem text={props.error} />
      <form method="post" action="/templates">
        <TextField
          id="template-name"
          name="name"
          label="Name"
          value={draft.name}
          required
          hint="lower-case letters, digits and inner dashes"
        />
        <TextField id="template-title" name="title" label="Title" value={draft.title} required />
        <label for="template-description">What it builds</label>
        <textarea
          id="template-description"
          name="description"
          rows={3}
          required
          aria-describedby="template-description-hint"
        >
          {draft.description}
        </textarea>
        <p class="hint" id="template-description-hint">
          The Architect reads this to choose a template for a project: the language, the kind of service, its
          options.
        </p>
        <TextField
          id="template-tags"
          name="tags"
          label="Tags"
          value={draft.tags}
          hint="what it is for, separated by commas: python, http-api"
        />
        <fieldset>
          <legend>Source</legend>
          <label class="inline">
            <input type="radio" name="kind" value="git" checked={draft.kind === "git"} /> A git repository
          </label>{" "}
          <label class="inline">
            <input type="radio" name="kind" value="builtin" checked={draft.kind === "builtin"} /> A directory
            the executors have built in
          </label>
          <TextField
            id="template-url"
            name="url"
            label="Repository URL"
            value={draft.url}
            hint="https://…; rendered at the newest release its version constraint allows"
          />
          <TextField
            id="template-version"
            name="version"
            label="Version constraint"
            value={draft.version}
            hint="PEP 440, such as >=1.2,<2 or ~=1.4; empty: its default branch"
          />
          <TextField
            id="template-path"
            name="path"
            label="Built-in directory"
            value={draft.path}
            hint="for a built-in template: its directory, such as python-service"
          />
        </fieldset>
        <ManifestField id="template-manifest" value={draft.manifest} />
        <p>
          <button type="submit">Register the template</button>
        </p>
      </form>
    </section>
  );
}
