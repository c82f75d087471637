/** Small value schemas the job specs share. */
import { z } from "zod";

export const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name");

/** Any JSON value: answers and template data cross the wire as JSON. */
export const JsonValue: z.ZodType<unknown> = z.json();
