/**
 * The hub's executor sockets (hibernation API): accepting them, the small per-socket state that
 * survives hibernation, and sending frames. Each socket is tagged with its executor's id.
 */
import { CloseCode, encode, type HubMessage, type Outgoing } from "@codegen-orchestrator/shared";
import type { CancelOrder } from "./leases.ts";

/** Per socket, survives hibernation. Kept small: the profile lives in storage. */
export interface Attachment {
  executorId: string;
  ready: boolean;
  strikes: number;
}

/** Protocol errors a socket may make before it is closed. */
const MAX_STRIKES = 20;

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
  accept(executorId: string): WebSocket {
    this.close(executorId, CloseCode.replaced, "Replaced by a newer connection of the same executor.");
    const { 0: client, 1: server } = new WebSocketPair();
    this.#ctx.acceptWebSocket(server, [executorId]);
    server.serializeAttachment({ executorId, ready: false, strikes: 0 } satisfies Attachment);
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
    for (const ws of sockets) ws.close(code, reason);
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
      ws.close(CloseCode.policy, `Too many protocol errors; last: ${message}`);
    } else {
      sendTo(ws, { type: "error", code, message });
    }
  }
}
