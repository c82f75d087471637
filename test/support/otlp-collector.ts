/**
 * A loopback OpenTelemetry collector for tests: an HTTP server on 127.0.0.1 that takes OTLP/HTTP
 * JSON exports at `/v1/traces` and records each request (headers, body, the answer it gave). It
 * refuses the first export of each trace with 503, as a collector that is briefly down would, so
 * tests see the exporter retry; and, with `rejects`, any export of the traces it picks with 400
 * (a refusal no retry changes).
 */
import { createServer, type IncomingHttpHeaders } from "node:http";

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Record<string, unknown> }[];
  status: { code: number; message?: string };
}

export interface Export {
  path: string;
  headers: IncomingHttpHeaders;
  /** The request's body as sent. */
  raw: string;
  spans: OtlpSpan[];
  /** The status the collector answered. */
  status: number;
}

export interface Collector {
  /** The base URL (OTLP_ENDPOINT). */
  url: string;
  exports: Export[];
  close(): Promise<void>;
}

type Body = { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };

export async function startCollector(
  rejects: (spans: OtlpSpan[]) => boolean = () => false,
): Promise<Collector> {
  const exports: Export[] = [];
  const seen = new Set<string>();
  const server = createServer((request, response) => {
    let raw = "";
    request.setEncoding("utf8");
    request.on("data", (chunk) => {
      raw += chunk;
    });
    request.on("end", () => {
      let spans: OtlpSpan[] = [];
      try {
        const body = JSON.parse(raw) as Body;
        spans = (body.resourceSpans ?? []).flatMap((r) => (r.scopeSpans ?? []).flatMap((s) => s.spans ?? []));
      } catch {}
      const traceId = spans[0]?.traceId ?? "";
      const refused = request.url !== "/v1/traces" || !spans.length || rejects(spans);
      const status = refused ? 400 : seen.has(traceId) ? 200 : 503;
      seen.add(traceId);
      exports.push({ path: request.url ?? "", headers: request.headers, raw, spans, status });
      response.writeHead(status, { "content-type": "application/json" }).end(status === 200 ? "{}" : "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the collector has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    exports,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A span's attribute value (string, int64 as its decimal string, or double); undefined when absent. */
export const attribute = (span: OtlpSpan, key: string): unknown => {
  const value = span.attributes.find((item) => item.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
};
