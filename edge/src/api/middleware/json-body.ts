/**
 * Guards request bodies before any route sees them: at most `MAX_BODY_BYTES` (413, through Hono's
 * `bodyLimit`), JSON only (415), and well-formed (400 `invalid_json`). Routes then validate the
 * parsed value with zod.
 *
 *   app.use("/api/v1/*", jsonBody());
 */
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";

const DEFAULT_MAX_BYTES = 64 * 1024;
const JSON_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;|$)/i;

export function jsonBody() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const contentType = c.req.header("content-type");
    const isJson = contentType !== undefined && JSON_TYPE.test(contentType);
    if (c.req.raw.body === null) {
      if (contentType && !isJson) throw unsupported(contentType);
      return next();
    }
    if (!isJson) throw unsupported(contentType);

    const maxBytes = Number(c.env.MAX_BODY_BYTES) || DEFAULT_MAX_BYTES;
    const limit = bodyLimit({
      maxSize: maxBytes,
      onError: () => {
        throw new ApiError(413, "payload_too_large", `The body exceeds ${maxBytes} bytes.`, { maxBytes });
      },
    });
    return limit(c, async () => {
      const text = await c.req.text();
      if (text.length > 0) {
        try {
          // Hono's validators read the parsed body from this cache instead of the consumed stream.
          c.req.bodyCache.json = JSON.parse(text);
        } catch (err) {
          throw new ApiError(400, "invalid_json", `The body is not valid JSON: ${(err as Error).message}`);
        }
      }
      await next();
    });
  });
}

const unsupported = (contentType: string | undefined) =>
  new ApiError(
    415,
    "unsupported_media_type",
    `Send JSON with \`Content-Type: application/json\` (got ${contentType ? `\`${contentType}\`` : "none"}).`,
  );
