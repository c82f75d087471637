import { DEFAULT_POOL, PROJECT_MANIFEST, ProjectManifest } from "@codegen-orchestrator/shared";
import type { AgentWorkflowEvent, AgentWorkflowStep } from "agents/workflows";
import { and, eq, isNull } from "drizzle-orm";
import { database } from "../../db/client.ts";
import { projects, users } from "../../db/schema.ts";
import { costInsert } from "../../domain/costs.ts";
import { type Deployment, finishDeployment, runCost, startDeployment } from "../../domain/deployments.ts";
import { beginStep, endStep, markFinished, markRunning } from "../../domain/run-steps.ts";
import { jobStep, type Pipeline } from "../steps/job-step.ts";
import { PipelineWorkflow } from "../steps/pipeline-workflow.ts";
import { repoAccess } from "../steps/repository.ts";
import type { RunParams } from "../workflows.ts";
import {
  deployJob,
  healthJob,
  healthRetries,
  hostKeyProblem,
  type Placement,
  place,
  recordFirstHostKey,
  rollbackJob,
} from "./deploy.ts";
import { analyzeEnv, type EnvDecision, infraValue, parseEnvExample } from "./env-analyzer.ts";
import { resolveSecrets } from "./secret-resolver.ts";
import { undeployProject } from "./undeploy.ts";

const ENV_EXAMPLE = ".env.example";

interface Project {
  slug: string;
  pool: string;
  resourceName: string;
  name: string;
  repoUrl: string | null;
  ownerId: string;
  ownerRole: "admin" | "member";
}

/** The project's manifest, or null when it has none or an unreadable one (the defaults apply then). */
function manifestOf(text: string | null | undefined): ProjectManifest | null {
  if (!text) return null;
  try {
    const parsed = ProjectManifest.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export class DevOpsWorkflow extends PipelineWorkflow {
  override async run(event: AgentWorkflowEvent<RunParams>, step: AgentWorkflowStep) {
    const { runId, projectId } = event.payload;
    const env = this.env;
    if (event.payload.kind === "undeploy")
      return undeployProject(
        { env, step, instanceId: event.instanceId, workflow: "DEVOPS_WORKFLOW", runId, projectId },
        {
          progress: (stage, text) => this.progress(runId, stage, text),
          finish: (status, error, summary) => this.finish(step, runId, status, error, summary),
        },
      );
    const fail = (error: string) => this.finish(step, runId, "failed", error);

    const project: Project | null = await step.do("start", async () => {
      const db = database(env.DB);
      await markRunning(db, runId);
      const [row] = await db
        .select({
          slug: projects.slug,
          resourceName: projects.resourceName,
          name: projects.name,
          repoUrl: projects.repoUrl,
          pool: projects.pool,
          ownerId: projects.ownerId,
          ownerRole: users.role,
        })
        .from(projects)
        .innerJoin(users, eq(users.id, projects.ownerId))
        // A deleted project is never deployed again (a run that slipped past its deletion).
        .where(and(eq(projects.id, projectId), isNull(projects.deletedAt)));
      return row ? { ...row, ownerRole: row.ownerRole === "admin" ? "admin" : "member" } : null;
    });
    if (!project) return fail("The project no longer exists.");
    const pipeline: Pipeline = {
      env,
      step,
      instanceId: event.instanceId,
      workflow: "DEVOPS_WORKFLOW",
      runId,
      projectId,
      // A run started before pools kept no pool in its first step: the default one.
      pool: project.pool || DEFAULT_POOL,
    };
    if (!project.repoUrl)
      return fail("The project has no repository yet: build it first (an engineering run).");
    const actor = { userId: project.ownerId, role: project.ownerRole };

    // Inspect: the commit to deploy, and what it says about itself.
    await this.progress(runId, "inspect", "🔍 Reading the project's environment and manifest…");
    const access = repoAccess(env, { url: project.repoUrl, resourceName: project.resourceName });
    const inspected = await jobStep(pipeline, "inspect", {
      kind: "git",
      spec: {
        steps: [
          { op: "clone", url: project.repoUrl, ref: "main", depth: 1 },
          { op: "read", paths: [ENV_EXAMPLE, PROJECT_MANIFEST], maxBytes: 65_536 },
        ],
        credentials: access.credentials,
      },
      secrets: access.secrets,
    });
    const files = inspected.output?.steps.find((item) => item.op === "read")?.files ?? {};
    const commit = inspected.output?.head;
    if (inspected.status !== "succeeded" || !commit)
      return fail(
        `Could not read the repository (${inspected.status}): ${inspected.error ?? "see the job log"}`,
      );
    const service = manifestOf(files[PROJECT_MANIFEST])?.service;
    const healthPath = service?.healthPath ?? "/health";
    const retries = healthRetries(env, service?.startupSeconds);

    // Allocate: the service's server and port.
    const placed = await step.do("allocate", async () => {
      const db = database(env.DB);
      await beginStep(db, runId, "allocate");
      const outcome = await place(env, db, projectId, project.ownerId);
      if ("error" in outcome) await endStep(db, runId, "allocate", "failed", { error: outcome.error });
      else {
        const { serverName, port, url } = outcome.placement;
        await endStep(db, runId, "allocate", "succeeded", { server: serverName, port, url });
      }
      return outcome;
    });
    if ("error" in placed) return fail(`Allocation failed: ${placed.error}`);
    const placement = placed.placement;
    await this.progress(runId, "allocate", `📍 ${placement.serverName}, port ${placement.port}`);

    // EnvAnalyzer: a source for every variable; the decisions are recorded, never the values.
    const entries = parseEnvExample(files[ENV_EXAMPLE] ?? "");
    const decisions: EnvDecision[] = await step.do("analyze env", async () => {
      const db = database(env.DB);
      await beginStep(db, runId, "analyze env");
      const analysis = await analyzeEnv(env, project.name, entries);
      if (analysis.costUsd > 0 || analysis.usage.input_tokens > 0)
        await costInsert(db, {
          source: "env-analyzer",
          amountUsd: analysis.costUsd,
          usage: analysis.usage,
          projectId,
          runId,
        });
      const detail = Object.fromEntries(analysis.decisions.map((d) => [d.name, `${d.kind} (${d.by})`]));
      await endStep(db, runId, "analyze env", "succeeded", detail, analysis.costUsd);
      return analysis.decisions;
    });
    const plain: Record<string, string> = {};
    for (const decision of decisions) {
      if (decision.kind === "infra") plain[decision.name] = infraValue(decision.name, placement) ?? "";
      if (decision.kind === "computed") plain[decision.name] = decision.value ?? "";
    }
    const secretNames = decisions
      .filter((d) => d.kind === "generated" || d.kind === "user")
      .map((d) => d.name);

    // SecretResolver and Readiness.
    const resolved = await resolveSecrets(env, step, {
      runId,
      projectId,
      slug: project.slug,
      actor,
      decisions,
      entries,
      ask: (name, description) =>
        this.agent.requestRunSecret(runId, projectId, project.slug, name, description),
      progress: (text) => this.progress(runId, "secrets", text),
    });
    if (resolved.error) return fail(resolved.error);

    // Deployer.
    const deployment: Deployment = await step.do("deploy: record", () =>
      startDeployment(database(env.DB), {
        projectId,
        runId,
        serverId: placement.serverId,
        commit,
        url: placement.url,
      }),
    );
    const hostKey = hostKeyProblem(placement);
    if (hostKey) return fail(hostKey);
    await this.progress(runId, "deploy", `🚚 Deploying ${commit.slice(0, 12)} to ${placement.serverName}…`);
    const deployed = await jobStep(pipeline, "deploy", {
      kind: "ansible",
      ...deployJob({
        projectId,
        resourceName: project.resourceName,
        repoUrl: project.repoUrl,
        commit,
        placement,
        healthPath,
        healthRetries: retries,
        plain,
        secretNames,
        access,
      }),
      summarize: (output) => ({
        detail: { failure: output.failure?.task ?? null, hostKeyRecorded: output.acceptedHostKey !== null },
      }),
    });
    const presented = deployed.output?.acceptedHostKey;
    if (presented && !placement.knownHosts)
      await step.do("deploy: record host key", () =>
        recordFirstHostKey(database(env.DB), placement.serverId, presented, runId),
      );
    let failure: { kind: string; message: string } | null = null;
    if (deployed.status !== "succeeded") {
      const why = deployed.output?.failure
        ? `${deployed.output.failure.task}: ${deployed.output.failure.message}`
        : (deployed.error ?? deployed.status);
      failure = { kind: "deploy_failed", message: `The deploy failed at ${why.slice(0, 500)}` };
    } else {
      // HealthCheck: from an executor, as a user would reach it.
      await this.progress(runId, "health", `🩺 Checking ${placement.url}${healthPath}…`);
      const health = await jobStep(pipeline, "health", {
        kind: "exec",
        spec: healthJob(placement.url, healthPath),
      });
      if (health.status !== "succeeded")
        failure = {
          kind: "health_failed",
          message: `${placement.url}${healthPath} did not answer 200: ${health.error ?? health.status}`,
        };
    }
    if (failure)
      return this.#recover(pipeline, { deployment, project, placement, healthPath, retries, failure });

    const cost = await step.do("deploy: done", async () => {
      const db = database(env.DB);
      await finishDeployment(db, deployment, "deployed");
      await markFinished(db, runId, "succeeded");
      return runCost(db, projectId, runId);
    });
    const text = `🚀 ${project.name} is live: ${placement.url}\nCommit ${commit.slice(0, 12)} · model and agent costs so far $${cost.project.toFixed(4)} (this deploy $${cost.run.toFixed(4)})`;
    await this.progress(runId, "end", text);
    return { runId, status: "succeeded", url: placement.url, commit };
  }

  /** A failed deploy: the previous release restored (if there is one), an incident opened, the user told. */
  async #recover(
    pipeline: Pipeline,
    failed: {
      deployment: Deployment;
      project: Project;
      placement: Placement;
      healthPath: string;
      retries: number | undefined;
      failure: { kind: string; message: string };
    },
  ) {
    const { step, runId, env } = pipeline;
    const { deployment, project, placement, healthPath, retries, failure } = failed;
    let outcome = "";
    // A previous deployment on another server was never touched by this one: nothing to restore.
    const elsewhere = deployment.previousServerId && deployment.previousServerId !== placement.serverId;
    if (deployment.previousId && elsewhere)
      outcome = " The previous deployment, on another server, is untouched.";
    else if (deployment.previousId) {
      await this.progress(runId, "rollback", "↩️ Restoring the previous release…");
      const rollback = await jobStep(pipeline, "rollback", {
        kind: "ansible",
        ...rollbackJob(
          project.resourceName,
          placement,
          healthPath,
          deployment.previousCommit ?? null,
          retries,
        ),
      });
      outcome =
        rollback.status === "succeeded"
          ? " The previous release was restored."
          : " Restoring the previous release failed too.";
    }
    const message = `${failure.message}${outcome}`;
    await step.do("deploy: failed", async () => {
      await finishDeployment(database(env.DB), deployment, "failed", { kind: failure.kind, message });
    });
    return this.finish(
      step,
      runId,
      "failed",
      `${message} Look at the job logs (/projects → Logs), fix, and deploy again.`,
    );
  }
}
