/**
 * A project's page, a run's page, and what the project's forms do: set or delete a secret, delete
 * the project. The forms
 * call the same domain operations as `/api/v1` with the session's principal, come from the
 * console's own origin only, and need the session's `write` scope (a read-only key's session
 * reads). Each ends in a redirect, so a reload repeats nothing.
 */
import { DomainName, SecretName } from "@codegen-orchestrator/shared";
import type { Context } from "hono";
import { runTimeline } from "../api/run-timeline.ts";
import { invalid } from "../domain/errors.ts";
import { projectDetail } from "../domain/project-detail.ts";
import { findProject, findProjectHistory } from "../domain/projects.ts";
import { deleteSecret, putSecret, secretsKeyring } from "../domain/secrets.ts";
import { serviceMonitor } from "../monitors/watch.ts";
import { attachDomain, detachDomain } from "../pipelines/devops/project-domain.ts";
import { removeProject } from "../pipelines/devops/teardown.ts";
import { settleDeletion } from "../pipelines/launch.ts";
import { secretStored } from "../pipelines/steps/secret-wait.ts";
import { assertMayChange } from "./changes.ts";
import { formField } from "./forms.ts";
import type { PageEnv } from "./page-env.ts";
import { ProjectPage } from "./project-page.tsx";
import { RunPage } from "./run-page.tsx";

type PageContext = Context<PageEnv>;

export async function showProject(c: PageContext) {
  const detail = await projectDetail(c.get("db"), c.get("principal"), c.req.param("id") ?? "");
  const notice = c.req.query("notice")?.slice(0, 200);
  // The certificate the site answered the monitor's last check with (behind a proxy).
  const certificate = (await serviceMonitor(c.env, detail.project.id).view())?.last?.certificate ?? null;
  return c.html(
    <ProjectPage user={c.get("user")} detail={detail} certificate={certificate} notice={notice} />,
  );
}

export async function showRun(c: PageContext) {
  const db = c.get("db");
  const { run, steps } = await runTimeline(c.env, db, c.get("principal"), c.req.param("id") ?? "");
  const project = await findProjectHistory(db, c.get("principal"), run.projectId);
  return c.html(<RunPage user={c.get("user")} run={run} project={project} steps={steps} />);
}

export async function setSecret(c: PageContext) {
  assertMayChange(c);
  const id = c.req.param("id") ?? "";
  const name = SecretName.safeParse((await formField(c, "name")).trim());
  if (!name.success)
    throw invalid("A secret's name is upper-case letters, digits and _, not starting with a digit.");
  const value = await formField(c, "value");
  if (value === "") throw invalid("A secret needs a value.");
  // A checkbox: sent as "on" when ticked, absent when not.
  const productionOnly = (await formField(c, "productionOnly")) === "on";
  const db = c.get("db");
  const keyring = await secretsKeyring(c.env);
  const meta = await putSecret(db, keyring, c.get("principal"), id, name.data, value, productionOnly);
  // A DevOps run of the project may be waiting for this value.
  await secretStored(c.env, db, meta.projectId, name.data);
  return c.redirect(`/projects/${id}?notice=${encodeURIComponent(`${name.data} is set.`)}`, 303);
}

export async function removeSecret(c: PageContext) {
  assertMayChange(c);
  const id = c.req.param("id") ?? "";
  const name = c.req.param("name") ?? "";
  await deleteSecret(c.get("db"), c.get("principal"), id, name);
  return c.redirect(`/projects/${id}?notice=${encodeURIComponent(`${name} is deleted.`)}`, 303);
}

export async function deleteProject(c: PageContext) {
  assertMayChange(c);
  const db = c.get("db");
  const project = await findProject(db, c.get("principal"), c.req.param("id") ?? "");
  if ((await formField(c, "confirm")).trim() !== project.slug)
    throw invalid(`Type the project's slug, ${project.slug}, to delete it.`);
  const deletion = await removeProject(c.env, db, c.get("principal"), project);
  await settleDeletion(c.env, db, deletion);
  return c.redirect("/", 303);
}

/** Attaches a custom domain as the API does; a refusal (the DNS record to create) is said on a page. */
export async function setDomain(c: PageContext) {
  assertMayChange(c);
  const id = c.req.param("id") ?? "";
  const domain = DomainName.safeParse(await formField(c, "domain"));
  if (!domain.success) throw invalid("A domain is a name such as shop.example.com.");
  const attached = await attachDomain(c.env, c.get("db"), c.get("principal"), id, domain.data);
  const notice = `${attached.domain} points at the server: deploying again to serve it.`;
  return c.redirect(`/projects/${id}?notice=${encodeURIComponent(notice)}`, 303);
}

export async function removeDomain(c: PageContext) {
  assertMayChange(c);
  const db = c.get("db");
  const project = await findProject(db, c.get("principal"), c.req.param("id") ?? "");
  await detachDomain(c.env, db, c.get("principal"), project);
  const notice = "The domain is removed: deploying again.";
  return c.redirect(`/projects/${project.id}?notice=${encodeURIComponent(notice)}`, 303);
}
