/** Talks to the real Worker (its default export, in workerd) the way a client would. */
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { expect } from "vitest";

export const ADMIN_KEY = env.ADMIN_API_KEY as string;

export interface CallOptions {
  method?: string;
  key?: string | null;
  body?: unknown;
  /** Sent as is, instead of JSON-encoding `body`. */
  rawBody?: BodyInit;
  headers?: Record<string, string>;
}

export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  const key = options.key === undefined ? ADMIN_KEY : options.key;
  if (key !== null) headers.set("authorization", `Bearer ${key}`);
  let body = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const method = options.method ?? (body === undefined ? "GET" : "POST");
  return exports.default.fetch(new Request(`http://api.test/api/v1${path}`, { method, headers, body }));
}

/** Calls and asserts the status, returning the parsed JSON body (undefined for 204). */
export async function expectStatus<T = any>(status: number, path: string, options?: CallOptions): Promise<T> {
  const response = await call(path, options);
  const text = await response.text();
  expect(response.status, `${options?.method ?? "GET"} ${path} → ${text}`).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

let counter = 0;
export const unique = (stem: string) => `${stem}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export interface Member {
  id: string;
  key: string;
}

/** A new user with a key of their own (created by the bootstrap admin). */
export async function createUser(
  role: "admin" | "member" = "member",
  scopes = ["read", "write"],
): Promise<Member> {
  const user = await expectStatus(201, "/users", { body: { name: unique("user"), role } });
  const created = await expectStatus(201, "/api-keys", { body: { name: "test", userId: user.id, scopes } });
  return { id: user.id, key: created.key };
}

export async function createProject(key: string, fields: Record<string, unknown> = {}) {
  return expectStatus(201, "/projects", { key, body: { name: unique("Project"), ...fields } });
}

/** A server (by the bootstrap admin): 4 GB, ports 8000–8999 unless `fields` say otherwise. */
export async function createServer(fields: Record<string, unknown> = {}) {
  return expectStatus(201, "/servers", {
    body: { name: unique("srv"), host: "127.0.0.1", memoryMb: 4096, cpuCores: 2, ...fields },
  });
}

export async function rowCount(table: string): Promise<number> {
  const row = await env.DB.prepare(`select count(*) as n from ${table}`).first<{ n: number }>();
  return row?.n ?? 0;
}
