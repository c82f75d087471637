/** Building blocks of the HTTP API's contract: ids, names, labels, pages, and the error envelope. */
import { z } from "zod";

export const Ulid = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, "must be a ULID (26 characters, Crockford base32)");

export const Timestamp = z.iso.datetime().describe("ISO 8601 time, UTC");

/** Lower-case DNS-label style name: `my-service`. */
export const Slug = z
  .string()
  .min(1)
  .max(63)
  .regex(
    /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/,
    "lower-case letters, digits and inner dashes, at most 63 characters",
  );

export const LabelKey = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,62})$/, "letters, digits, . _ / -, at most 63");
export const Labels = z.record(LabelKey, z.string().max(128)).describe("key=value labels");

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: Ulid.optional().describe("the `nextCursor` of the previous page"),
});

/** A list response: items in id order, and the cursor of the next page when there is one. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: Ulid.nullable() });

export const ErrorCode = z.enum([
  "invalid_request",
  "invalid_json",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "payload_too_large",
  "unsupported_media_type",
  "no_capacity",
  "quota_exceeded",
  "dns_mismatch",
  "service_unavailable",
  "internal",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z
  .object({
    error: z.object({
      code: ErrorCode,
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: "Error" });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** One failing field of an invalid request, as listed in `error.details.issues`. */
export const FieldIssue = z.object({
  path: z.string().describe("dotted path of the field, e.g. `labels.env`"),
  message: z.string(),
});
