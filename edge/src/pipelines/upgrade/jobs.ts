/**
 * The upgrade run's two jobs: a `copier` job in update mode (the project's main branch brought to
 * the template's new version and pushed as the upgrade's branch) and a `git` job that merges that
 * branch into the main branch and pushes it. Both reach the repository as every pipeline job does
 * (a GitHub App token scoped to it, through the job's secrets).
 */
import type { CopierUpdateSpec, GitSpec } from "@codegen-orchestrator/shared";
import type { UpgradePlan } from "../../domain/template-upgrades.ts";
import type { Env } from "../../env.ts";
import type { JobSecretRef } from "../../executors/job-secrets.ts";
import { commitAuthor } from "../engineering/prepare.ts";
import { repoAccess } from "../steps/repository.ts";

/** The branch an upgrade is pushed to: git's ref rules keep a tag such as `v1.2.0` as it is. */
export const upgradeBranch = (toVersion: string) =>
  `template-upgrade/${toVersion.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+|[.]+$/g, "") || "latest"}`;

const repository = (plan: UpgradePlan) => ({ url: plan.repoUrl, resourceName: plan.resourceName });

/**
 * `copier update` of the project's main branch to `toVersion`, with the answers it recorded (new
 * questions take their defaults), conflicts marked inline, committed and pushed as the upgrade's
 * branch. No template code runs (`trust: false`), as when the project was scaffolded.
 */
export function updateJob(
  env: Env,
  plan: UpgradePlan,
): { spec: CopierUpdateSpec; secrets: Record<string, JobSecretRef> } {
  const access = repoAccess(env, repository(plan));
  const from = plan.fromVersion ? ` ${plan.fromVersion} →` : "";
  return {
    spec: {
      update: true,
      project: {
        url: plan.repoUrl,
        branch: "main",
        ...(access.credentials ? { credentials: access.credentials } : {}),
      },
      vcsRef: plan.toVersion,
      prereleases: false,
      data: {},
      defaults: true,
      trust: false,
      conflict: "inline",
      publish: {
        branch: upgradeBranch(plan.toVersion),
        message: `Update from template ${plan.templateName}${from} ${plan.toVersion}`,
        author: commitAuthor(env),
      },
    },
    secrets: access.secrets,
  };
}

/** Merges the upgrade's branch into main (a fast-forward when main has not moved) and pushes main. */
export function mergeJob(
  env: Env,
  plan: UpgradePlan,
  branch: string,
): { spec: GitSpec; secrets: Record<string, JobSecretRef> } {
  const access = repoAccess(env, repository(plan));
  return {
    spec: {
      steps: [
        { op: "clone", url: plan.repoUrl, ref: "main" },
        {
          op: "merge",
          ref: `origin/${branch}`,
          message: `Merge ${plan.templateName} ${plan.toVersion} (template upgrade)`,
          author: commitAuthor(env),
          fastForwardOnly: false,
        },
        { op: "push", remote: "origin", branch: "main", force: false },
      ],
      ...(access.credentials ? { credentials: access.credentials } : {}),
    },
    secrets: access.secrets,
  };
}
