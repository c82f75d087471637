/**
 * The hub's executor sockets (hibernation API): accepting them, the small per-socket state that
 * survives hibernation, and sending frames. Each socket is tagged with its executor's id.
 */
import { CloseCode, encode, type HubMessage, type Outgoing } from "@codegen-orchestrator/shared";
import type { CancelOrder } from "./leases.ts";
import type { ExecutorPolicy } from "./policy.ts";

/** Per socket, survives hibernation. Kept small: the profile lives in storage. */
export interface Attachment {
  executorId: string;
  /** What the admin allows it (its pool, its capabilities), as the Worker read it at connect. */
  policy: ExecutorPolicy;
  ready: boolean;
  strikes: number;
}

/** Protocol errors a socket may make before it is closed. */
const MAX_STRIKES = 20;

/** A close frame's payload is at most 125 bytes, 2 of them the code; `ws.close` throws past that. */
const MAX_CLOSE_REASON_BYTES = 123;
const ELLIPSIS = "…";

/**
 * The reason as a close frame can carry it: at most 123 UTF-8 bytes, cut between characters
 * (`encodeInto` writes whole characters only) and ending in "…" when cut.
 */
export function closeReason(reason: string): string {
  const encoder = new TextEncoder();
  if (encoder.encode(reason).length <= MAX_CLOSE_REASON_BYTES) return reason;
  const room = new Uint8Array(MAX_CLOSE_REASON_BYTES - encoder.encode(ELLIPSIS).length);
  return reason.slice(0, encoder.encodeInto(reason, room).read) + ELLIPSIS;
}

export const attachmentOf = (ws: WebSocket) => ws.deserializeAttachment() as Attachment;

export function sendTo(ws: WebSocket, message: Outgoing<HubMessage>): void {
  try {
    ws.send(encode(message));
  } catch {
    // The socket closed under us; leases and reconnects take care of the job.
  }
}

export class ExecutorSockets {
  readonly #ctx: DurableObjectState;

  constructor(ctx: DurableObjectState) {
    this.#ctx = ctx;
  }

  /** Accepts a new socket for the executor, replacing any older one; returns the client end. */
  accept(executorId: string, policy: ExecutorPolicy): WebSocket {
    this.close(executorId, CloseCode.replaced, "Replaced by a newer connection of the same executor.");
    const { 0: client, 1: server } = new WebSocketPair();
    this.#ctx.acceptWebSocket(server, [executorId]);
    server.serializeAttachment({ executorId, policy, ready: false, strikes: 0 } satisfies Attachment);
    return client;
  }

  /** The open sockets whose executor has said hello. */
  ready(): [WebSocket, Attachment][] {
    return this.#ctx
      .getWebSockets()
      .map((ws) => [ws, attachmentOf(ws)] as [WebSocket, Attachment])
      .filter(([ws, a]) => a.ready && ws.readyState === WebSocket.OPEN);
  }

  markReady(ws: WebSocket, attachment: Attachment): void {
    ws.serializeAttachment({ ...attachment, ready: true } satisfies Attachment);
  }

  /** Closes the executor's sockets; returns how many there were. */
  close(executorId: string, code: number, reason: string): number {
    const sockets = this.#ctx.getWebSockets(executorId);
    for (const ws of sockets) ws.close(code, closeReason(reason));
    return sockets.length;
  }

  send(executorId: string | null, message: Outgoing<HubMessage>): void {
    if (!executorId) return;
    for (const ws of this.#ctx.getWebSockets(executorId)) sendTo(ws, message);
  }

  sendCancels(cancels: readonly CancelOrder[]): void {
    for (const { executorId, ...cancel } of cancels) this.send(executorId, { type: "cancel", ...cancel });
  }

  /** Answers a protocol error; past MAX_STRIKES, closes the socket instead. */
  strike(ws: WebSocket, attachment: Attachment, code: string, message: string): void {
    const strikes = attachment.strikes + 1;
    ws.serializeAttachment({ ...attachment, strikes } satisfies Attachment);
    if (strikes > MAX_STRIKES) {
      ws.close(CloseCode.policy, closeReason(`Too many protocol errors; last: ${message}`));
    } else {
      sendTo(ws, { type: "error", code, message });
    }
  }
}
