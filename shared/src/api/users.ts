import { z } from "zod";
import { Timestamp, Ulid } from "./common.ts";

export const Role = z.enum(["admin", "member"]);
export type Role = z.infer<typeof Role>;
export const UserStatus = z.enum(["active", "pending", "blocked"]);

export const User = z
  .object({
    id: Ulid,
    telegramId: z.number().int().nullable(),
    name: z.string(),
    role: Role,
    status: UserStatus,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "User" });
export type User = z.infer<typeof User>;

const TelegramId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const CreateUser = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    telegramId: TelegramId.optional(),
    role: Role.default("member"),
    status: UserStatus.default("active"),
  })
  .meta({ id: "CreateUser" });

export const UpdateUser = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    telegramId: TelegramId.nullable(),
    role: Role,
    status: UserStatus,
  })
  .partial()
  .meta({ id: "UpdateUser" });
