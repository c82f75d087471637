/**
 * The template catalog's contract: Copier templates a project can be built from. Admins register
 * one (a directory of the executors' built-in templates, or a git repository with a version
 * constraint); an executor inspects it (`checking`), and it becomes `ready` with its questions,
 * or `invalid` saying why. Everyone reads the ready ones.
 */
import { z } from "zod";
import { TemplateQuestion } from "../protocol/copier-inspect.ts";
import { VersionConstraint } from "../protocol/template-source.ts";
import { Slug, Timestamp, Ulid } from "./common.ts";

export const TemplateStatus = z.enum(["checking", "ready", "invalid"]);
export type TemplateStatus = z.infer<typeof TemplateStatus>;

/** A directory under the executors' templates directory: relative, no `..`, no hidden segments. */
const BuiltinPath = z
  .string()
  .max(255)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\/[A-Za-z0-9][A-Za-z0-9_-]*)*$/,
    "a directory under the executors' templates directory, such as `node-service`",
  );

const GitUrl = z
  .url({ protocol: /^(https|http|file)$/ })
  .max(2048)
  .describe("https (file:// and http:// only where the operator allows local repositories)");

export const TemplateSourceInput = z
  .discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("builtin"), path: BuiltinPath }),
    z.strictObject({
      kind: z.literal("git"),
      url: GitUrl,
      version: VersionConstraint.optional().describe(
        "PEP 440 constraint on its tags (`>=1.2,<2`, `~=1.4`): the newest matching release is used; omitted: its default branch",
      ),
    }),
  ])
  .meta({ id: "TemplateSource" });
export type TemplateSourceInput = z.infer<typeof TemplateSourceInput>;

export const Template = z
  .object({
    id: Ulid,
    name: Slug,
    title: z.string(),
    description: z.string().describe("what the template builds, for the Architect choosing one"),
    tags: z.array(z.string()).describe("what it is for"),
    source: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("builtin"), path: z.string() }),
      z.object({ kind: z.literal("git"), url: z.string(), version: z.string().nullable() }),
    ]),
    default: z.boolean().describe("the template of projects that name none; it cannot be removed"),
    status: TemplateStatus,
    questions: z.array(TemplateQuestion).nullable().describe("its copier.yml questions, once checked"),
    subdirectory: z.string().nullable(),
    messages: z
      .object({ beforeCopy: z.string(), afterCopy: z.string() })
      .nullable()
      .describe("`_message_before_copy` / `_message_after_copy`, raw Jinja"),
    version: z
      .object({ tag: z.string().nullable(), commit: z.string() })
      .nullable()
      .describe("a git template's release: the tag its constraint chose, and its commit"),
    error: z
      .object({
        code: z.string().optional(),
        message: z.string(),
        file: z.string().optional(),
        line: z.number().int().optional(),
      })
      .nullable()
      .describe("why it is invalid (admins only see invalid templates)"),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    checkedAt: Timestamp.nullable(),
  })
  .meta({ id: "Template" });
export type Template = z.infer<typeof Template>;

/** A ready template as the Architect is offered it: what it builds, and the questions it asks. */
export type TemplateOffer = Pick<Template, "id" | "name" | "title" | "description" | "tags"> & {
  questions: TemplateQuestion[];
};

export const CreateTemplate = z
  .strictObject({
    name: Slug,
    title: z.string().trim().min(1).max(100),
    description: z.string().trim().min(1).max(4000),
    tags: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "a lower-case tag such as `http-api`"))
      .max(20)
      .default([]),
    source: TemplateSourceInput,
  })
  .meta({ id: "CreateTemplate" });
export type CreateTemplate = z.infer<typeof CreateTemplate>;
