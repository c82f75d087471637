/**
 * How the Worker reads its settings (vars and secrets): each area declares its settings once, with
 * a zod schema, a default and a line of documentation, and reads them parsed. A blank value counts
 * as unset; a malformed one is an operator's mistake, reported with the setting's name (and never
 * with a secret's value). docs/settings.md lists every setting, and a test keeps it true.
 *
 *   export const hubSettings = defineSettings("Executor hub", {
 *     HUB_LEASE_MS: setting(positiveInt, { default: 45_000, doc: "…" }),
 *   });
 *   const { HUB_LEASE_MS } = hubSettings.read(env);
 */
import { z } from "zod";

export class SettingsError extends Error {
  override name = "SettingsError";
}

export interface Setting<T> {
  /** Parses a set, non-blank value. */
  schema: z.ZodType<unknown, string>;
  /** What an unset (or blank) setting reads as. */
  fallback: T;
  doc: string;
  /** A secret: its value never appears in an error, and docs say to set it with `wrangler secret put`. */
  secret: boolean;
}

interface SettingOptions<T> {
  doc: string;
  default: T;
  secret?: boolean;
}

/** Any schema that parses a string; what it parses to is the setting's type. */
type StringSchema = z.ZodType<unknown, string>;

export function setting<S extends StringSchema>(
  schema: S,
  options: SettingOptions<z.output<S>>,
): Setting<z.output<S>>;
export function setting<S extends StringSchema>(
  schema: S,
  options: Omit<SettingOptions<z.output<S>>, "default">,
): Setting<z.output<S> | undefined>;
export function setting<S extends StringSchema>(
  schema: S,
  options: Omit<SettingOptions<z.output<S>>, "default"> & { default?: z.output<S> },
): Setting<z.output<S> | undefined> {
  return { schema, fallback: options.default, doc: options.doc, secret: options.secret ?? false };
}

// The value kinds settings are made of.
export const text = z.string().trim();
export const positiveInt = z.coerce.number<string>().int().positive();
/** Zero or more: counts where none is a choice (retries). */
export const count = z.coerce.number<string>().int().min(0);
export const positiveNumber = z.coerce.number<string>().positive();
/** Zero or more, fractions allowed: thresholds where zero turns the check off. */
export const nonNegativeNumber = z.coerce.number<string>().min(0);
export const flag = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(["true", "false"]))
  .transform((value) => value === "true");
/** Separated by commas or white space; empty items dropped. */
export const list = z.string().transform((value) => value.split(/[\s,]+/).filter(Boolean));
export const httpOrigin = z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, ""));

type Settings = Record<string, Setting<unknown>>;
export type SettingValues<S extends Settings> = { readonly [K in keyof S]: S[K]["fallback"] };
/** Where settings are read from: the Worker's env, or any object with the same names. */
export type SettingSource<S extends Settings> = { readonly [K in keyof S]?: string | undefined };

export interface SettingsGroup<S extends Settings> {
  area: string;
  settings: S;
  /** The area's settings, parsed once per env object; throws SettingsError naming a malformed one. */
  read(env: SettingSource<S>): SettingValues<S>;
}

export function defineSettings<S extends Settings>(area: string, settings: S): SettingsGroup<S> {
  const parsed = new WeakMap<object, SettingValues<S>>();
  return {
    area,
    settings,
    read(env) {
      let values = parsed.get(env);
      if (!values) {
        values = parseAll(settings, env);
        parsed.set(env, values);
      }
      return values;
    },
  };
}

function parseAll<S extends Settings>(settings: S, env: SettingSource<S>): SettingValues<S> {
  const values: Partial<Record<keyof S, unknown>> = {};
  for (const name of Object.keys(settings) as (keyof S & string)[]) {
    values[name] = parseOne(name, settings[name] as Setting<unknown>, env[name]);
  }
  return values as SettingValues<S>;
}

function parseOne(name: string, definition: Setting<unknown>, raw: string | undefined): unknown {
  if (raw === undefined || raw.trim() === "") return definition.fallback;
  const result = definition.schema.safeParse(raw);
  if (result.success) return result.data;
  const problem = result.error.issues[0]?.message ?? "invalid value";
  const shown = definition.secret ? "" : ` (got ${JSON.stringify(raw.slice(0, 80))})`;
  throw new SettingsError(`Setting ${name} is malformed: ${problem}${shown}. See docs/settings.md.`);
}
