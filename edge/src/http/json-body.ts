/**
 * Guards request bodies before any route sees them: at most `MAX_BODY_BYTES` (413, through Hono's
 * `bodyLimit`), JSON only (415), and well-formed: valid Unicode, nested at most `MAX_JSON_DEPTH`
 * levels (400 `invalid_json`). Routes then validate the parsed value with zod.
 *
 *   app.use("/api/v1/*", jsonBody());
 */
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { ApiError } from "../domain/errors.ts";
import { apiSettings } from "../settings/api.ts";
import type { AppEnv } from "./context.ts";

/**
 * Arrays and objects, one inside the other, a body may hold. Deeper bodies are refused before
 * anything recursive (zod, JSON.stringify) walks them: a 10 KB body can nest 5,000 levels.
 */
export const MAX_JSON_DEPTH = 64;
const JSON_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;|$)/i;

export function jsonBody() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const contentType = c.req.header("content-type");
    const isJson = contentType !== undefined && JSON_TYPE.test(contentType);
    if (contentType && !isJson) throw unsupported(contentType);
    const hasBodyMethod = c.req.method !== "GET" && c.req.method !== "HEAD";
    if (c.req.raw.body === null) {
      // An absent JSON body validates like `{}`, so required fields are reported by name.
      if (isJson && hasBodyMethod) replaceBody(c, {});
      return next();
    }
    const maxBytes = apiSettings.read(c.env).MAX_BODY_BYTES;
    const limit = bodyLimit({
      maxSize: maxBytes,
      onError: () => {
        throw new ApiError(413, "payload_too_large", `The body exceeds ${maxBytes} bytes.`, { maxBytes });
      },
    });
    return limit(c, async () => {
      // Over real HTTP a bodiless DELETE may still carry an empty stream: only content counts.
      const text = await c.req.text();
      if (text.length > 0 && !isJson) throw unsupported(contentType);
      if (isJson || text.length > 0) replaceBody(c, parseJson(text));
      await next();
    });
  });
}

/** Hands the validators the checked JSON (`{}` for an empty body) in place of the consumed stream. */
function replaceBody(c: Context, value: unknown): void {
  c.req.bodyCache = {};
  c.req.raw = new Request(c.req.raw, { body: JSON.stringify(value) });
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, "invalid_json", `The body is not valid JSON: ${(err as Error).message}`);
  }
  const problem = malformation(value);
  if (problem) throw new ApiError(400, "invalid_json", problem);
  return value;
}

/**
 * Why a parsed body is unusable, or null. JSON escapes can smuggle lone surrogates (`"\ud800"`)
 * that no storage or client handles well. Iterative, with its own stack: any depth is safe here.
 */
function malformation(root: unknown): string | null {
  const pending: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, depth } = next;
    if (typeof value === "string") {
      if (!value.isWellFormed()) return LONE_SURROGATE;
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (depth >= MAX_JSON_DEPTH) return `The body is nested more than ${MAX_JSON_DEPTH} levels deep.`;
    const items = Array.isArray(value) ? value : Object.entries(value).flat();
    for (const item of items) pending.push({ value: item, depth: depth + 1 });
  }
  return null;
}

const LONE_SURROGATE = "The body holds a string that is not valid Unicode (a lone surrogate).";

const unsupported = (contentType: string | undefined) =>
  new ApiError(
    415,
    "unsupported_media_type",
    `Send JSON with \`Content-Type: application/json\` (got ${contentType ? `\`${contentType}\`` : "none"}).`,
  );
