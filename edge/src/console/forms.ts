/** A console form's field, as text ("" when absent or a file). */
import type { Context } from "hono";

export async function formField(c: Context, name: string): Promise<string> {
  const value = (await c.req.parseBody())[name];
  return typeof value === "string" ? value : "";
}
