/**
 * `copier` jobs: render a Copier template into the job's workdir with the built-in engine or the
 * real `copier` CLI, and optionally publish the result as the first commit of a git remote; or,
 * with `inspect: true`, read the template's questions without rendering it (copier-inspect.ts).
 */
import { z } from "zod";
import { CopierInspection } from "./copier-inspect.ts";
import { CopierUpdateResult, CopierUpdateSpec } from "./copier-update.ts";
import { GitAuthor, GitCredentials, GitRef, GitRemoteUrl } from "./git.ts";
import { TemplateSource } from "./template-source.ts";
import { JsonValue } from "./values.ts";

export const TemplateEngine = z.enum(["builtin", "copier"]);
export type TemplateEngine = z.infer<typeof TemplateEngine>;

export const CopierSpec = z.strictObject({
  /** Render (the default); `true` is the inspect mode, `CopierInspectSpec`. */
  inspect: z.literal(false).optional(),
  template: TemplateSource,
  /** Answers by question name; the rest take their defaults. */
  data: z.record(z.string().max(200), JsonValue).default({}),
  /** Unattended: every unanswered question takes its default (as `copier copy --defaults`). */
  defaults: z.boolean().default(true),
  /** Run the template's `_tasks` (as `copier copy --trust`). */
  trust: z.boolean().default(false),
  engine: TemplateEngine.default("builtin"),
  /**
   * Write the answers file (`.copier-answers.yml` or the template's `_answers_file`) even when the
   * template has no template of its own for it, as Copier would not: the project then records
   * the template, its commit and the answers. The pipeline's scaffolds ask for it.
   */
  recordAnswers: z.boolean().default(false),
  publish: z
    .strictObject({
      url: GitRemoteUrl,
      branch: GitRef.default("main"),
      message: z.string().min(1).max(65_536).default("Scaffold from template"),
      author: GitAuthor,
      credentials: GitCredentials.optional(),
      /**
       * Create the remote first when it is a local bare repository (`file://`) not there yet; other
       * remotes must exist (a hosting provider creates them).
       */
      create: z.boolean().default(false),
    })
    .optional(),
});
export type CopierSpec = z.infer<typeof CopierSpec>;

/** Read the template's `copier.yml` (fetching it as a render would), render nothing, run nothing. */
export const CopierInspectSpec = z.strictObject({
  inspect: z.literal(true),
  template: TemplateSource,
});
export type CopierInspectSpec = z.infer<typeof CopierInspectSpec>;

/** A `copier` job's spec: a render, an inspection, or an update (copier-update.ts). */
export const CopierJobSpec = z.union([
  z.discriminatedUnion("inspect", [CopierSpec, CopierInspectSpec]),
  CopierUpdateSpec,
]);
export type CopierJobSpec = z.infer<typeof CopierJobSpec>;

export const CopierResult = z.strictObject({
  engine: TemplateEngine,
  /** Every file written, relative to the project root, sorted. */
  files: z.array(z.string()),
  /** The answers as recorded in the answers file (secret answers left out). */
  answers: z.record(z.string(), JsonValue),
  /** The template's commit when it came from git. */
  templateCommit: z.string().nullable(),
  /** The ref it was rendered at when it came from git: as named, or the tag a version constraint chose. */
  templateRef: z.string().nullable().optional(),
  messages: z.array(z.string()),
  /** The builtin engine's Jinja: Python's Jinja2 where the executor has it ("jinja2 3.1.2"), else "minijinja". */
  renderer: z.string().optional(),
  published: z.strictObject({ url: z.string(), branch: z.string(), commit: z.string() }).nullable(),
});
export type CopierResult = z.infer<typeof CopierResult>;

/** Why a scaffold failed, as the engine reports it: a code, a message, and where. */
export const ScaffoldFailure = z.strictObject({
  error: z.strictObject({
    code: z.enum([
      "invalid_answers",
      "template_error",
      "invalid_template",
      "unsafe_template",
      "task_failed",
      "destination_error",
      "engine_unavailable",
    ]),
    message: z.string().max(4000),
    /** The template file (relative to the template root) and line, when known. */
    file: z.string().optional(),
    line: z.number().int().positive().optional(),
    /** For `invalid_answers`: every question that failed. */
    questions: z.array(z.strictObject({ question: z.string(), message: z.string() })).optional(),
  }),
});
export type ScaffoldFailure = z.infer<typeof ScaffoldFailure>;

/**
 * A copier job's output: the result (a render's or an inspection's) when it succeeded, the
 * structured failure when it did not.
 */
export const CopierOutput = z.union([CopierResult, CopierInspection, CopierUpdateResult, ScaffoldFailure]);
