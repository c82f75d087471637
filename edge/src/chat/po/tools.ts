/**
 * The Product-Owner agent's tools: the system's own operations (the same domain functions the HTTP
 * API calls), plus two that pause the turn for the user: `ask_user` and `request_secret`. The
 * latter never carries a value: the user's reply is captured by the chat, sealed and stored.
 *
 * Each tool's input is a zod schema; the model sees its JSON Schema and every call is validated.
 */

import type Anthropic from "@anthropic-ai/sdk";
import { CreateProject, SecretName, Slug, type StartableRunKind, Ulid } from "@codegen-orchestrator/shared";
import { z } from "zod";
import type { Db } from "../../db/client.ts";
import type { Actor } from "../../domain/actor.ts";
import { ApiError, notFound } from "../../domain/errors.ts";
import {
  createProject,
  findOwnProjectBySlug,
  findProject,
  listProjects,
  type ProjectRow,
  toProject,
} from "../../domain/projects.ts";
import { assertProjectQuota, assertRunQuota, type QuotaVars } from "../../domain/quotas.ts";
import { repoUrlPolicy } from "../../domain/repo-urls.ts";
import { cancelRun, findRun, listRuns, type RunRow, startRun, toRun } from "../../domain/runs.ts";

/** No import: whatever an agent's tool input says, it names no repository. */
const NO_REPO_IMPORTS = repoUrlPolicy({});

export interface ToolContext {
  /** For the member quotas (domain/quotas.ts) of what the tools create. */
  env: QuotaVars;
  db: Db;
  actor: Actor;
  chatId: number;
  /** Shows a run the agent started or cancelled in the chat (its one status message). */
  runChanged(run: RunRow): Promise<void>;
}

/** A tool either answers at once, or pauses the turn until the user replies. */
export type ToolOutcome =
  | { kind: "result"; content: string; isError: boolean; projectId?: string }
  | { kind: "ask"; question: string; options: string[] }
  | { kind: "secret"; projectId: string; projectSlug: string; name: string; description: string };

const ProjectRef = z.string().min(1).max(63).describe("the project's id or slug");

/** A project by id, or by slug among the actor's own live projects. */
async function resolveProject(ctx: ToolContext, ref: string): Promise<ProjectRow> {
  if (Ulid.safeParse(ref).success) return findProject(ctx.db, ctx.actor, ref);
  const slug = Slug.safeParse(ref.toLowerCase());
  if (!slug.success) throw notFound("project");
  const row = await findOwnProjectBySlug(ctx.db, ctx.actor, slug.data);
  if (!row) throw new ApiError(404, "not_found", `No project with slug ${slug.data}.`);
  return row;
}

const result = (value: unknown, projectId?: string): ToolOutcome => ({
  kind: "result",
  content: JSON.stringify(value),
  isError: false,
  ...(projectId ? { projectId } : {}),
});

async function started(ctx: ToolContext, run: RunRow): Promise<ToolOutcome> {
  await ctx.runChanged(run);
  return result(toRun(run), run.projectId);
}

interface ToolDefinition<S extends z.ZodType> {
  description: string;
  input: S;
  run(ctx: ToolContext, input: z.output<S>): Promise<ToolOutcome>;
}

const tool = <S extends z.ZodType>(definition: ToolDefinition<S>) => definition;

/** The two tools that start a run: the same operation, another pipeline. */
const startTool = (kind: StartableRunKind, description: string) =>
  tool({
    description,
    input: z.strictObject({ project: ProjectRef }),
    run: async (ctx, input) => {
      const row = await resolveProject(ctx, input.project);
      await assertRunQuota(ctx.env, ctx.db, ctx.actor);
      return started(ctx, await startRun(ctx.db, ctx.actor, row.id, kind, ctx.chatId));
    },
  });

export const TOOLS = {
  create_project: tool({
    description:
      "Create a project once the user's service is clear: a short name, a description a developer can build from, and the template modules it needs.",
    input: z.strictObject({
      name: CreateProject.shape.name,
      description: z.string().min(1).max(10_000),
      modules: z
        .array(z.enum(["database", "telegram"]))
        .max(2)
        .default([])
        .describe("database: SQLite storage; telegram: a Telegram bot module"),
    }),
    run: async (ctx, input) => {
      await assertProjectQuota(ctx.env, ctx.db, ctx.actor);
      // The agent's projects name no repository: the server makes one when it builds them.
      const row = await createProject(ctx.db, ctx.actor, CreateProject.parse(input), NO_REPO_IMPORTS);
      return result(toProject(row), row.id);
    },
  }),
  list_projects: tool({
    description: "List the user's projects (newest last).",
    input: z.strictObject({}),
    run: async (ctx) => {
      const rows = await listProjects(ctx.db, ctx.actor, { limit: 50 });
      return result(rows.map((row) => ({ id: row.id, slug: row.slug, name: row.name, status: row.status })));
    },
  }),
  get_project: tool({
    description: "Get one project with its latest runs.",
    input: z.strictObject({ project: ProjectRef }),
    run: async (ctx, input) => {
      const row = await resolveProject(ctx, input.project);
      const runs = await listRuns(ctx.db, ctx.actor, row.id, 5);
      return result({ ...toProject(row), runs: runs.map(toRun) }, row.id);
    },
  }),
  start_engineering: startTool(
    "engineering",
    "Start the engineering pipeline (scaffold, develop, test) for a project. Only after the user agreed to the plan.",
  ),
  start_deploy: startTool(
    "devops",
    "Start the DevOps pipeline (allocate, configure, deploy, health-check) for a project.",
  ),
  run_status: tool({
    description: "The status of a run (by id), or of a project's latest runs.",
    input: z.strictObject({ run_id: Ulid.optional(), project: ProjectRef.optional() }),
    run: async (ctx, input) => {
      if (input.run_id) return result(toRun(await findRun(ctx.db, ctx.actor, input.run_id)));
      if (!input.project) return { kind: "result", content: "Give run_id or project.", isError: true };
      const row = await resolveProject(ctx, input.project);
      return result((await listRuns(ctx.db, ctx.actor, row.id, 5)).map(toRun), row.id);
    },
  }),
  cancel_run: tool({
    description: "Cancel a run in progress. Only when the user asked for it.",
    input: z.strictObject({ run_id: Ulid }),
    run: async (ctx, input) => {
      const run = await cancelRun(ctx.db, ctx.actor, input.run_id);
      await ctx.runChanged(run);
      return result(toRun(run), run.projectId);
    },
  }),
  ask_user: tool({
    description:
      "Ask the user one clarifying question and wait for the answer. Offer up to 6 short options when the answer is a choice.",
    input: z.strictObject({
      question: z.string().min(1).max(2000),
      options: z.array(z.string().min(1).max(40)).max(6).default([]),
    }),
    run: async (_ctx, input) => ({ kind: "ask", question: input.question, options: input.options }),
  }),
  request_secret: tool({
    description:
      "Ask the user for a secret value (API token, password) for a project. The user's reply is stored encrypted and deleted from the chat; you never see the value. Never ask for secrets in plain text otherwise.",
    input: z.strictObject({
      project: ProjectRef,
      name: SecretName.describe("environment-variable style, e.g. STRIPE_API_KEY"),
      description: z.string().min(1).max(500).describe("what the value is and where the user finds it"),
    }),
    run: async (ctx, input) => {
      const row = await resolveProject(ctx, input.project);
      return { kind: "secret", projectId: row.id, projectSlug: row.slug, ...input };
    },
  }),
} as const;

export type ToolName = keyof typeof TOOLS;

/** The tools as the Messages API takes them (JSON Schema from the zod schemas). */
export const toolDefinitions: Anthropic.Tool[] = Object.entries(TOOLS).map(([name, definition]) => {
  const { $schema: _, ...schema } = z.toJSONSchema(definition.input, { io: "input" }) as Record<
    string,
    unknown
  >;
  return {
    name,
    description: definition.description,
    input_schema: { ...schema, type: "object" } as Anthropic.Tool.InputSchema,
  };
});

/** Runs one tool call; bad input and refused operations become an error result the model can read. */
export async function runTool(ctx: ToolContext, name: string, input: unknown): Promise<ToolOutcome> {
  const definition = (TOOLS as Record<string, ToolDefinition<z.ZodType>>)[name];
  if (!definition) return { kind: "result", content: `Unknown tool ${name}.`, isError: true };
  const parsed = definition.input.safeParse(input);
  if (!parsed.success) {
    return { kind: "result", content: `Invalid input: ${z.prettifyError(parsed.error)}`, isError: true };
  }
  try {
    return await definition.run(ctx, parsed.data);
  } catch (err) {
    if (err instanceof ApiError) return { kind: "result", content: err.message, isError: true };
    throw err;
  }
}
