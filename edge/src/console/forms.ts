/** Reading a console form's fields, and saying in words what is wrong with them. */
import type { Context } from "hono";
import type { z } from "zod";

/** A console form's field, as text ("" when absent or a file). */
export async function formField(c: Context, name: string): Promise<string> {
  const value = (await c.req.parseBody())[name];
  return typeof value === "string" ? value : "";
}

/** Every text field of a form; a repeated one (checkboxes) as the list of its values. Files are dropped. */
export async function formFields(c: Context): Promise<Record<string, string | string[]>> {
  const fields: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(await c.req.parseBody({ all: true }))) {
    if (typeof value === "string") fields[name] = value;
    else if (Array.isArray(value)) fields[name] = value.filter((v): v is string => typeof v === "string");
  }
  return fields;
}

/** The fields' problems as one sentence each, each named by its label on the form. */
export function whatIsWrong(error: z.ZodError, labels: Record<string, string>): string {
  const problems = error.issues.map((issue) => {
    const field = String(issue.path[0] ?? "");
    return `${labels[field] ?? (field || "The form")}: ${issue.message}.`;
  });
  return [...new Set(problems)].join(" ");
}
