import { z } from "zod";
import { Timestamp, Ulid } from "./common.ts";

/** `read` allows GET; `write` allows every other method. A key needs both to do everything. */
export const Scope = z.enum(["read", "write"]);
export type Scope = z.infer<typeof Scope>;

export const ApiKey = z
  .object({
    id: Ulid,
    userId: Ulid,
    name: z.string(),
    prefix: z.string().describe("the key's first characters, to tell keys apart"),
    scopes: z.array(Scope),
    createdAt: Timestamp,
    lastUsedAt: Timestamp.nullable(),
    expiresAt: Timestamp.nullable(),
    revokedAt: Timestamp.nullable(),
  })
  .meta({ id: "ApiKey" });
export type ApiKey = z.infer<typeof ApiKey>;

export const CreateApiKey = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(Scope).min(1).default(["read", "write"]),
    userId: Ulid.optional().describe("admins only: create the key for another user"),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .meta({ id: "CreateApiKey" });

export const CreatedApiKey = ApiKey.extend({
  key: z.string().describe("the key itself: shown only in this response, store it now"),
}).meta({ id: "CreatedApiKey" });
