/**
 * A hub for daemon tests: a bare WebSocket server that speaks the wire protocol's executor side
 * back (welcome after hello, pong to ping), assigns jobs and collects their logs, progress and
 * results, and every frame the real hub would refuse.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { decode, ExecutorMessage, encode, type JobKind } from "@codegen-orchestrator/shared";
import { type WebSocket, WebSocketServer } from "ws";
import { WAIT_MS } from "./containers.ts";

export interface HubResult {
  status: string;
  output: unknown;
  error?: string;
  /** The job's whole log, every stream. */
  log: string;
  /** What the result frame says the job cost. */
  costUsd?: number;
  /** The job's progress frames before its result, in order. */
  progress: { message: string; percent?: number }[];
}

export interface StubHub {
  url: string;
  /** The capabilities of the daemon's first hello. */
  capabilities: Promise<string[]>;
  /** Assigns a job: its id, and its result when it comes. */
  assign(
    kind: JobKind,
    spec: unknown,
    secrets?: Record<string, string>,
  ): { id: string; result: Promise<HubResult> };
  /** Assigns a job; settles with its result. */
  run(kind: JobKind, spec: unknown, secrets?: Record<string, string>): Promise<HubResult>;
  /** The log of a job so far. */
  logOf(id: string): string;
  /** Why each frame the real hub's schema would refuse was refused. */
  refused: string[];
  close(): void;
}

export async function stubHub(): Promise<StubHub> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await once(server, "listening");
  const logs = new Map<string, string>();
  const progress = new Map<string, HubResult["progress"]>();
  const refused: string[] = [];
  const results = new Map<string, (result: HubResult) => void>();
  let hello: (capabilities: string[]) => void = () => {};
  const capabilities = new Promise<string[]>((resolve, reject) => {
    hello = resolve;
    setTimeout(() => reject(new Error("the daemon never said hello")), WAIT_MS).unref();
  });
  let socket: WebSocket | undefined;
  const welcomed = new Promise<WebSocket>((resolve) => {
    server.on("connection", (ws) => {
      ws.on("message", (data) => {
        const decoded = decode(ExecutorMessage, String(data));
        if (!decoded.ok) refused.push(`${decoded.code}: ${decoded.message}`);
        const message = JSON.parse(String(data));
        if (message.type === "hello") {
          hello(message.capabilities);
          ws.send(
            encode({ type: "welcome", executorId: "stub", heartbeatIntervalMs: 10_000, leaseMs: 45_000 }),
          );
          socket = ws;
          resolve(ws);
        } else if (message.type === "log") {
          logs.set(message.jobId, (logs.get(message.jobId) ?? "") + message.chunk);
        } else if (message.type === "ping") {
          ws.send(encode({ type: "pong", id: message.id }));
        } else if (message.type === "progress") {
          const { message: text, percent } = message;
          const reports = progress.get(message.jobId) ?? [];
          reports.push({ message: text, ...(percent === undefined ? {} : { percent }) });
          progress.set(message.jobId, reports);
        } else if (message.type === "result") {
          const { status, output, error, costUsd } = message;
          results.get(message.jobId)?.({
            status,
            output,
            error,
            log: logs.get(message.jobId) ?? "",
            ...(costUsd === undefined ? {} : { costUsd }),
            progress: progress.get(message.jobId) ?? [],
          });
        }
      });
    });
  });
  let count = 0;
  const assign: StubHub["assign"] = (kind, spec, secrets = {}) => {
    const id = `job-${++count}`;
    const result = new Promise<HubResult>((resolve) => results.set(id, resolve));
    void welcomed.then((ws) =>
      ws.send(
        encode({
          type: "assign",
          jobId: id,
          attempt: 1,
          kind,
          spec,
          deadlineAt: Date.now() + 60_000,
          secrets,
        }),
      ),
    );
    return { id, result };
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    capabilities,
    assign,
    run: (kind, spec, secrets) => assign(kind, spec, secrets).result,
    logOf: (id) => logs.get(id) ?? "",
    refused,
    close() {
      socket?.terminate();
      server.close();
    },
  };
}
