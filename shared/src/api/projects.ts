import { z } from "zod";
import { Slug, Timestamp, Ulid } from "./common.ts";
import { RecoveryStep } from "./monitoring.ts";

export const ProjectStatus = z.enum([
  "draft",
  "scaffolding",
  "developing",
  "testing",
  "deploying",
  "deployed",
  "failed",
  "archived",
]);

/** A template module's name, as a project lists it. */
export const ModuleName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "a module name such as `postgres`");
const Url = z.url().max(2048);

/** A scalar answer to a template question, as Copier takes it. */
const AnswerScalar = z.union([z.string().max(10_000), z.number(), z.boolean()]);

/** An answer to one of a template's `copier.yml` questions: a value, or a multiselect's values. */
export const TemplateAnswer = z.union([AnswerScalar, z.array(AnswerScalar).max(100)]);
export type TemplateAnswer = z.infer<typeof TemplateAnswer>;

/** What the Architect makes of the conversation: what the Developer builds and the Tester checks. */
export const ProjectSpec = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    description: z.string().min(1).max(10_000),
    /** The template's `modules` answer, when it has such a question (the project's `modules`). */
    modules: z.array(ModuleName).max(20),
    acceptanceCriteria: z.array(z.string().min(1).max(500)).min(1).max(20),
    // Specs written before the Architect chose templates have neither of these.
    template: z
      .strictObject({ id: Ulid, name: z.string(), title: z.string() })
      .optional()
      .describe("the catalog template the project is built from, as the Architect chose or kept it"),
    answers: z
      .record(z.string().max(200), TemplateAnswer)
      .optional()
      .describe(
        "the answers given to the template's questions (secret ones never: they keep their defaults)",
      ),
  })
  .meta({ id: "ProjectSpec" });
export type ProjectSpec = z.infer<typeof ProjectSpec>;

export const Project = z
  .object({
    id: Ulid,
    ownerId: Ulid,
    slug: Slug,
    resourceName: z
      .string()
      .describe(
        "what the project's repository and its service on a server are named by: unique across owners, fixed",
      ),
    name: z.string(),
    description: z.string(),
    templateSource: z.string().nullable(),
    templateRef: z.string().nullable(),
    templateId: Ulid.nullable().describe(
      "the catalog template it is built from (`GET /templates`); null: the default template until it is scaffolded",
    ),
    templateVersion: z
      .string()
      .nullable()
      .describe("the template's version it was scaffolded from (a git template's tag or commit)"),
    modules: z.array(ModuleName),
    pool: z.string().describe("the executor pool its jobs run in, and its secrets go to"),
    repoUrl: z.string().nullable(),
    spec: ProjectSpec.nullable().describe("the Architect's spec, once a run made one"),
    status: ProjectStatus,
    monitorIntervalS: z
      .number()
      .int()
      .describe("how often its monitor checks the deployed service, in seconds"),
    recoveryPolicy: z
      .array(RecoveryStep)
      .describe("what its monitor does, in order, while the service is down (then it asks)"),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "Project" });
export type Project = z.infer<typeof Project>;

const editable = {
  name: z.string().trim().min(1).max(100),
  slug: Slug,
  description: z.string().max(10_000),
  templateSource: z.string().min(1).max(2048).nullable(),
  templateRef: z.string().min(1).max(255).nullable(),
  templateId: Ulid.nullable().describe(
    "a ready template of the catalog to scaffold it from (null: the default); used when it is scaffolded",
  ),
  modules: z.array(ModuleName).max(50),
  repoUrl: Url.nullable(),
};

export const CreateProject = z
  .strictObject({
    ...editable,
    slug: editable.slug.optional().describe("defaults to one made from the name"),
    description: editable.description.default(""),
    templateSource: editable.templateSource.optional(),
    templateRef: editable.templateRef.optional(),
    templateId: editable.templateId.optional(),
    modules: editable.modules.default([]),
    repoUrl: editable.repoUrl.optional(),
    ownerId: Ulid.optional().describe("admins only: create the project for another user"),
  })
  .meta({ id: "CreateProject" });

export const UpdateProject = z
  .strictObject({
    ...editable,
    monitorIntervalS: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .describe(
        "seconds between checks of the deployed service; at least the Worker's MONITOR_MIN_INTERVAL_S",
      ),
    recoveryPolicy: z
      .array(RecoveryStep)
      .min(1)
      .max(10)
      .describe("what the monitor does, in order, while the service is down: restart, rollback, agent, ask"),
    status: ProjectStatus.describe("admins only"),
    pool: Slug.describe("admins only: the executor pool its jobs run in"),
  })
  .partial()
  .meta({ id: "UpdateProject" });

/** Environment-variable style: `DATABASE_URL`. */
export const SecretName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]{0,127}$/, "upper-case letters, digits and _, not starting with a digit");

export const PutSecret = z
  .strictObject({
    value: z.string().min(1).max(32_768),
    productionOnly: z
      .boolean()
      .optional()
      .describe(
        "given to the production release only, never to a branch's preview; omitted: a new secret is not, an existing one keeps its mark",
      ),
  })
  .meta({ id: "PutSecret" });

/** What the API tells about a secret: never its value. */
export const SecretInfo = z
  .object({
    name: SecretName,
    productionOnly: z.boolean().describe("given to the production release only, never to a preview"),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "SecretInfo" });
export type SecretInfo = z.infer<typeof SecretInfo>;
