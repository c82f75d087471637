/**
 * Traces: where each run's trace goes, as OpenTelemetry spans over OTLP/HTTP (JSON). Off unless
 * OTLP_ENDPOINT is set; the names and formats follow the SDKs' `OTEL_EXPORTER_OTLP_*` variables.
 */
import { z } from "zod";
import { defineSettings, httpOrigin, setting } from "./define.ts";

/** A header name as HTTP allows it (a token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `name=value` pairs separated by commas, values percent-encoded (OTEL_EXPORTER_OTLP_HEADERS). */
export const otlpHeaders = z.string().transform((value, ctx) => {
  const headers: Record<string, string> = {};
  for (const pair of value.split(",")) {
    if (!pair.trim()) continue;
    const at = pair.indexOf("=");
    const name = at > 0 ? pair.slice(0, at).trim() : "";
    let decoded: string | null = null;
    try {
      decoded = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {}
    if (!HEADER_NAME.test(name) || decoded === null) {
      ctx.addIssue({ code: "custom", message: "expected name=value pairs separated by commas" });
      return z.NEVER;
    }
    headers[name.toLowerCase()] = decoded;
  }
  return headers;
});

export const traceSettings = defineSettings("Traces", {
  OTLP_ENDPOINT: setting(httpOrigin, {
    doc: "The OpenTelemetry collector's OTLP/HTTP base URL (as OTEL_EXPORTER_OTLP_ENDPOINT): when a run ends, its trace (a span for the run, one per step, model calls and jobs included) is posted as JSON to `<endpoint>/v1/traces`. Unset: no traces are exported.",
  }),
  OTLP_HEADERS: setting(otlpHeaders, {
    secret: true,
    doc: "Headers sent with each export, e.g. the collector's credentials: `name=value` pairs separated by commas, values percent-encoded (as OTEL_EXPORTER_OTLP_HEADERS). Unset: none.",
  }),
});
