/**
 * The template catalog's contract: Copier templates a project can be built from. Admins register
 * one (a directory of the executors' built-in templates, or a git repository with a version
 * constraint); an executor inspects it (`checking`), and it becomes `ready` with its questions,
 * or `invalid` saying why. Everyone reads the ready ones. An entry may carry a manifest (set at
 * registration or later): what its projects' profiles go by when their repository has none.
 */
import { z } from "zod";
import { BoundedManifest } from "../protocol/catalog-manifest.ts";
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

/** A catalog entry's manifest: an `orchestrator.json` for projects whose repository has none. */
export const TemplateManifest = BoundedManifest.meta({
  id: "ProjectManifest",
  description:
    "what a project declares about itself (`orchestrator.json`): `test` {setup?, command}, `service` {start?, healthPath?, startupSeconds?, migrate?}; commands are argv; unknown keys are dropped",
});

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
      .describe(
        "why it is invalid (admins only see invalid templates), or why its last check for a newer release failed",
      ),
    manifest: TemplateManifest.nullable().describe(
      "what its projects' profiles go by when their repository has no orchestrator.json (before the conventions); null: none",
    ),
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
    manifest: TemplateManifest.optional(),
  })
  .meta({ id: "CreateTemplate" });
export type CreateTemplate = z.infer<typeof CreateTemplate>;

/** What an admin changes of a registered template: its manifest (null removes it). */
export const UpdateTemplate = z
  .strictObject({ manifest: TemplateManifest.nullable() })
  .meta({ id: "UpdateTemplate" });
export type UpdateTemplate = z.infer<typeof UpdateTemplate>;
