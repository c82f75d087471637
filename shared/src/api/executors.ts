/** The executor fleet as the API shows it: what an admin registers, and what each executor is doing. */
import { z } from "zod";
import { ALL_CAPABILITIES, DEFAULT_POOL } from "../protocol/jobs.ts";
import { Labels, Slug, Timestamp, Ulid } from "./common.ts";

export const Executor = z
  .object({
    id: Ulid,
    name: z.string(),
    tokenPrefix: z.string(),
    createdAt: Timestamp,
    revokedAt: Timestamp.nullable(),
    connected: z.boolean(),
    draining: z.boolean(),
    pool: z.string().describe("the pool the admin put it in: it runs that pool's jobs only"),
    allowedCapabilities: z.array(z.string()).describe("what the admin allows it to advertise"),
    capabilities: z.array(z.string()).describe("what it advertises, within the allowed ones"),
    labels: Labels,
    capacity: z.number().int(),
    running: z.number().int(),
    lastSeenAt: Timestamp.nullable(),
  })
  .meta({ id: "Executor" });
export type Executor = z.infer<typeof Executor>;

export const CreateExecutor = z
  .strictObject({
    name: Slug,
    pool: Slug.default(DEFAULT_POOL).describe("the pool whose jobs (and their secrets) it may take"),
    capabilities: z
      .array(z.enum(ALL_CAPABILITIES as [string, ...string[]]))
      .min(1)
      .optional()
      .describe("the capabilities it may advertise (default: all)"),
  })
  .meta({ id: "CreateExecutor" });

export const CreatedExecutor = z
  .object({ executor: Executor, token: z.string().describe("shown only here: give it to the daemon") })
  .meta({ id: "CreatedExecutor" });
