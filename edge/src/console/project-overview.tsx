/**
 * A project page's overview: what it is (slug, description, its spec's acceptance criteria, its
 * template and answers), where it is (repository, URL, the live release) and, behind a proxy, the
 * site's certificate as the monitor's last check saw it.
 */
import { certificateDaysLeft, type TlsCertificate } from "@codegen-orchestrator/shared";
import type { ProjectDetail } from "../domain/project-detail.ts";
import { LocalTime } from "./layout.tsx";

export function Overview(props: { detail: ProjectDetail; certificate: TlsCertificate | null }) {
  const { project, deployments } = props.detail;
  const url = deployments.find((deployment) => deployment.url)?.url;
  const live = deployments.find((deployment) => deployment.status === "deployed");
  return (
    <section aria-labelledby="overview">
      <h2 id="overview">Overview</h2>
      <dl class="facts">
        <dt>Slug</dt>
        <dd>
          <code>{project.slug}</code>
        </dd>
        <dt>Description</dt>
        <dd>{project.description || <span class="muted">none</span>}</dd>
        <dt>Repository</dt>
        <dd>{project.repoUrl ? <code>{project.repoUrl}</code> : <span class="muted">none yet</span>}</dd>
        <dt>URL</dt>
        <dd>{url ? <a href={url}>{url}</a> : <span class="muted">not deployed</span>}</dd>
        <dt>Live release</dt>
        <dd>
          {live?.commitSha ? (
            <>
              <code>{live.commitSha.slice(0, 12)}</code> since <LocalTime at={live.createdAt} />
              {live.serverName ? ` on ${live.serverName}` : ""}
            </>
          ) : (
            <span class="muted">none</span>
          )}
        </dd>
        {url?.startsWith("https:") ? (
          <>
            <dt>Certificate</dt>
            <dd>
              <Certificate certificate={props.certificate} />
            </dd>
          </>
        ) : null}
        <dt>Template</dt>
        <dd>
          <TemplateUsed project={project} />
        </dd>
      </dl>
      {project.spec ? (
        <>
          <h3>Acceptance criteria</h3>
          <ul>
            {project.spec.acceptanceCriteria.map((criterion) => (
              <li>{criterion}</li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

/** The site's certificate as the monitor's last check saw it: issuer, expiry, trust. */
function Certificate(props: { certificate: TlsCertificate | null }) {
  const { certificate } = props;
  if (!certificate) return <span class="muted">not checked yet</span>;
  const validTo = new Date(certificate.validTo);
  const daysLeft = certificateDaysLeft(certificate);
  return (
    <>
      issued by {certificate.issuer || "an unnamed issuer"}, valid until <LocalTime at={validTo} /> (
      {daysLeft < 0 ? "expired" : `${daysLeft} days left`})
      {certificate.trusted ? null : (
        <div class="muted">Signed by a CA browsers do not trust (the server's internal CA).</div>
      )}
    </>
  );
}

/** The template the project is built from, at which release, and the answers its questions got. */
function TemplateUsed(props: { project: ProjectDetail["project"] }) {
  const { project } = props;
  const template = project.spec?.template;
  if (!template)
    return <span class="muted">{project.templateId ? "chosen, not built yet" : "not chosen yet"}</span>;
  const answers = Object.entries(project.spec?.answers ?? {});
  return (
    <>
      <a href="/templates">{template.title}</a> <code>{template.name}</code>
      {project.templateVersion ? (
        <>
          {" "}
          at <code>{project.templateVersion.slice(0, 12)}</code>
        </>
      ) : null}
      {answers.length > 0 ? (
        <ul class="answers">
          {answers.map(([question, answer]) => (
            <li>
              <code>{question}</code>: {Array.isArray(answer) ? answer.join(", ") || "none" : String(answer)}
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
