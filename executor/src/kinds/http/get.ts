/**
 * One GET of a health URL by the daemon itself (no process, no shell): a timeout, no redirects
 * followed, no proxy. Whatever the URL answers, the check ran; null only when `signal` (the job's
 * cancel) aborted it. Shared by `http_check` (one GET) and `http_watch` (a GET every interval).
 */
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { Readable } from "node:stream";
import { TLSSocket } from "node:tls";
import {
  HTTP_CHECK_EXCERPT_CHARS,
  type HttpCheckResult,
  type TlsCertificate,
} from "@codegen-orchestrator/shared";

/** Behind a server's proxy: where to connect, and whether to verify its certificate. */
export interface Route {
  connectTo?: string | undefined;
  verifyTls?: boolean | undefined;
}

/** Why nothing answered, in the words a person reads (the socket's code when there is one). */
function noAnswer(err: unknown, timeoutMs: number): string {
  if (err instanceof DOMException && err.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return String(cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : err)).slice(0, 500);
}

/** The body's start as text a chat can show: control characters (bar newlines and tabs) dropped. */
async function excerptOf(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Enough bytes for the excerpt's characters (at most 4 bytes each); the rest is never read.
  while (size < HTTP_CHECK_EXCERPT_CHARS * 4) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => {});
  const text = Buffer.concat(chunks).toString("utf8");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it drops.
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "").slice(0, HTTP_CHECK_EXCERPT_CHARS);
}

/**
 * A GET through node:http(s) where fetch cannot go: to `connectTo` instead of what DNS says for
 * the URL's host (the name still in SNI and Host), or without verifying the certificate.
 */
function getVia(
  url: string,
  route: Route,
  signal: AbortSignal,
): Promise<{ response: Response; certificate: TlsCertificate | null }> {
  const target = new URL(url);
  const address = route.connectTo;
  const options: https.RequestOptions = {
    signal,
    agent: false,
    rejectUnauthorized: route.verifyTls !== false,
    headers: { host: target.host },
  };
  if (address && isIP(address)) {
    const family = isIP(address);
    // The URL's name stays the host (SNI, Host); only its address is ours.
    options.lookup = ((_host: string, lookup: { all?: boolean }, callback: (...args: unknown[]) => void) =>
      lookup.all ? callback(null, [{ address, family }]) : callback(null, address, family)) as LookupFunction;
  } else if (address) {
    options.host = address;
    options.servername = target.hostname;
  }
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(target, options, (response) => {
      const body = Readable.toWeb(response) as ReadableStream<Uint8Array>;
      const certificate = response.socket instanceof TLSSocket ? certificateOf(response.socket) : null;
      resolve({ response: new Response(body, { status: response.statusCode ?? 502 }), certificate });
    });
    request.on("error", reject);
  });
}

/** `DNS:a.example, DNS:b.example` → `a.example`. */
const firstAltName = (names: string | undefined) =>
  (names ?? "")
    .split(",")[0]
    ?.trim()
    .replace(/^[A-Za-z ]+:/, "")
    .slice(0, 300) ?? "";

/** The peer's certificate as a check reports it; null when there is none to read. */
function certificateOf(socket: TLSSocket): TlsCertificate | null {
  const peer = socket.getPeerCertificate();
  if (!peer?.valid_to) return null;
  const name = (entity: { CN?: string | string[]; O?: string | string[] } | undefined) =>
    [entity?.CN, entity?.O].flat().filter(Boolean).join(", ").slice(0, 300);
  const validTo = new Date(peer.valid_to);
  if (Number.isNaN(validTo.getTime())) return null;
  return {
    // Certificates from ACME CAs (and Caddy's) name the site in their alternative names only.
    subject: name(peer.subject) || firstAltName(peer.subjectaltname),
    issuer: name(peer.issuer),
    validTo: validTo.toISOString(),
    trusted: socket.authorized,
  };
}

export async function getHealth(
  url: string,
  timeoutMs: number,
  signal: AbortSignal,
  route: Route = {},
): Promise<HttpCheckResult | null> {
  const started = performance.now();
  try {
    const within = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    const { response, certificate } =
      route.connectTo || route.verifyTls === false
        ? await getVia(url, route, within)
        : { response: await fetch(url, { signal: within, redirect: "manual" }), certificate: null };
    const excerpt = await excerptOf(response).catch(() => "");
    return {
      status: response.status,
      error: null,
      latencyMs: performance.now() - started,
      excerpt,
      ...(certificate ? { certificate } : {}),
    };
  } catch (err) {
    if (signal.aborted) return null;
    return {
      status: null,
      error: noAnswer(err, timeoutMs),
      latencyMs: performance.now() - started,
      excerpt: "",
    };
  }
}
