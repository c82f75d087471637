/** The HTTP API's own settings. */
import { z } from "zod";
import { defineSettings, positiveInt, setting } from "./define.ts";

export const apiSettings = defineSettings("HTTP API", {
  ADMIN_API_KEY: setting(z.string().trim(), {
    secret: true,
    doc: "Bootstrap admin bearer key. Shorter than 24 characters (or unset): no bootstrap key.",
  }),
  MAX_BODY_BYTES: setting(positiveInt, {
    default: 65_536,
    doc: "Size limit of a JSON request body, in bytes (larger: 413 `payload_too_large`).",
  }),
});
