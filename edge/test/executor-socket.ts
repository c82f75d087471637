/** A scripted executor for hub tests: a real WebSocket through the Worker, speaking protocol v1. */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { expectStatus, unique } from "./helpers.ts";

export interface ScriptedExecutor {
  ws: WebSocket;
  /** Frames received, parsed, in order. */
  inbox: any[];
  closed: Promise<{ code: number; reason: string }>;
  send(message: Record<string, unknown>): void;
  sendRaw(frame: string): void;
  next(type: string, timeoutMs?: number): Promise<any>;
}

/** A new executor (by the bootstrap admin); `policy`: its pool and allowed capabilities. */
export async function createExecutor(
  policy: { pool?: string; capabilities?: string[] } = {},
): Promise<{ id: string; token: string }> {
  const created = await expectStatus(201, "/executors", { body: { name: unique("exec"), ...policy } });
  return { id: created.executor.id, token: created.token };
}

export async function connect(token: string): Promise<ScriptedExecutor> {
  const response = await exports.default.fetch(
    new Request("http://api.test/api/v1/executors/connect", {
      headers: { upgrade: "websocket", authorization: `Bearer ${token}` },
    }),
  );
  expect(response.status).toBe(101);
  const ws = response.webSocket;
  if (!ws) throw new Error("no WebSocket in the 101 response");
  ws.accept();
  const inbox: any[] = [];
  const waiters: (() => void)[] = [];
  ws.addEventListener("message", (event) => {
    inbox.push(JSON.parse(event.data as string));
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason })),
  );
  const taken = new Set<number>();
  return {
    ws,
    inbox,
    closed,
    send: (message) => ws.send(JSON.stringify({ v: 1, ...message })),
    sendRaw: (frame) => ws.send(frame),
    /** The oldest frame of this type not returned before. */
    async next(type, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = inbox.findIndex((m, i) => !taken.has(i) && m.type === type);
        if (index >= 0) {
          taken.add(index);
          return inbox[index];
        }
        if (Date.now() > deadline) throw new Error(`no ${type} frame; got ${JSON.stringify(inbox)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
}

export function hello(executor: ScriptedExecutor, extra: Record<string, unknown> = {}) {
  executor.send({
    type: "hello",
    agent: "test",
    capabilities: ["exec"],
    labels: {},
    capacity: 2,
    running: [],
    ...extra,
  });
  return executor.next("welcome");
}
