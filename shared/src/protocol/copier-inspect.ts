/**
 * What a `copier` job in inspect mode reports: a template's questions as its `copier.yml` writes
 * them (defaults, validators and `when` as raw Jinja, never rendered), the settings a caller needs
 * to answer them, and for git sources the tag and commit it read.
 */
import { z } from "zod";

/**
 * A value from the YAML, as JSON. Not `JsonValue` (z.json()): these schemas are also the API's
 * (`GET /templates`), and its OpenAPI document cannot hold a recursive schema; the value crossed
 * the wire as JSON already.
 */
const YamlValue = z.unknown().describe("any JSON value");

/** One choice, in the template's order; a non-empty rendered `validator` disables it. */
export const TemplateChoice = z.strictObject({
  label: z.string(),
  value: YamlValue,
  validator: z.string().optional(),
});
export type TemplateChoice = z.infer<typeof TemplateChoice>;

export const TemplateQuestion = z.strictObject({
  name: z.string(),
  type: z
    .string()
    .describe(
      "str, int, float, bool, yaml, json or path: as written (it may be Jinja), else inferred from the default",
    ),
  help: z.string().optional(),
  choices: z
    .union([z.array(TemplateChoice), z.string()])
    .optional()
    .describe("the choices in order (a mapping's labels kept); a string: Jinja that renders them as YAML"),
  multiselect: z.boolean(),
  /** Absent: the question has no default. Raw as written: a string default is a Jinja template. */
  default: YamlValue.optional(),
  validator: z.string().optional().describe("raw Jinja: renders to an error message, or to nothing"),
  when: z
    .union([z.string(), z.boolean()])
    .optional()
    .describe("raw Jinja or a boolean: asked only when true"),
  secret: z.boolean(),
  placeholder: z.string().optional(),
});
export type TemplateQuestion = z.infer<typeof TemplateQuestion>;

export const CopierInspection = z.strictObject({
  /** `copier.yml` or `copier.yaml`; null when the template has neither (no questions). */
  file: z.string().nullable(),
  questions: z.array(TemplateQuestion).max(1000),
  /** `_subdirectory`: where the project's files are in the template ("" for its root). */
  subdirectory: z.string(),
  /** `_message_*`, raw Jinja ("" when unset). */
  messages: z.strictObject({
    beforeCopy: z.string(),
    afterCopy: z.string(),
    beforeUpdate: z.string(),
    afterUpdate: z.string(),
  }),
  /** For git sources: the commit read, and the ref it was read at (the tag a constraint chose). */
  templateCommit: z.string().nullable(),
  templateRef: z.string().nullable(),
});
export type CopierInspection = z.infer<typeof CopierInspection>;
