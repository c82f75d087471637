/**
 * The executor's WebSocket to its hub: dials out with the token in the Authorization header
 * (never in the URL), reconnects with backoff and jitter, and stops for good only when the hub
 * says the token is revoked or the protocol version is wrong.
 */
import { CloseCode, decode, HubMessage } from "@codegen-orchestrator/shared";
import type { Logger } from "pino";
import WebSocket from "ws";
import { backoffDelay } from "./backoff.ts";

export interface ConnectionOptions {
  url: string;
  token: string;
  log: Logger;
  onOpen(): void;
  onMessage(message: HubMessage): void;
  /** The hub refused this executor for good (revoked token, unknown token, wrong version). */
  onFatal(reason: string): void;
}

const MAX_INBOUND_BYTES = 8 * 1024 * 1024;

/** `http://host:8787` → `ws://host:8787/api/v1/executors/connect`; full ws(s) URLs pass through. */
export function connectUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === "http:" || parsed.protocol === "https:") {
    parsed.protocol = parsed.protocol === "http:" ? "ws:" : "wss:";
  }
  if (parsed.pathname === "/" || parsed.pathname === "") parsed.pathname = "/api/v1/executors/connect";
  return parsed.toString();
}

export class HubConnection {
  #socket: WebSocket | null = null;
  #attempt = 0;
  #stopped = false;
  #retry: NodeJS.Timeout | undefined;
  readonly #url: string;

  private readonly options: ConnectionOptions;

  constructor(options: ConnectionOptions) {
    this.options = options;
    this.#url = connectUrl(options.url);
  }

  get open(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.#stopped = false;
    this.#dial();
  }

  /** Sends if connected; returns false otherwise (the caller keeps what must not be lost). */
  send(frame: string): boolean {
    if (!this.open || !this.#socket) return false;
    this.#socket.send(frame);
    return true;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    const socket = this.#socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      socket.close(1000, "executor stopping");
      // A hub that never completes the closing handshake must not hold the daemon up.
      setTimeout(() => {
        socket.terminate();
        resolve();
      }, 2_000).unref();
    });
  }

  #dial(): void {
    const { log } = this.options;
    const socket = new WebSocket(this.#url, {
      headers: { authorization: `Bearer ${this.options.token}` },
      maxPayload: MAX_INBOUND_BYTES,
      handshakeTimeout: 10_000,
    });
    this.#socket = socket;
    socket.on("unexpected-response", (_request, response) => {
      if (response.statusCode === 401) {
        this.#stopped = true;
        this.options.onFatal("the hub refused the executor token (401): it is unknown or revoked");
      } else {
        log.warn({ status: response.statusCode }, "hub refused the connection");
      }
      socket.terminate();
    });
    socket.on("open", () => {
      this.#attempt = 0;
      log.info({ url: this.#url }, "connected to hub");
      this.options.onOpen();
    });
    socket.on("message", (data, isBinary) => {
      const decoded = decode(HubMessage, isBinary ? new ArrayBuffer(0) : data.toString());
      if (!decoded.ok) {
        log.warn({ code: decoded.code, reason: decoded.message }, "ignored a frame from the hub");
        return;
      }
      this.options.onMessage(decoded.message);
    });
    socket.on("error", (err) => log.warn({ err: err.message }, "hub connection error"));
    socket.on("close", (code, reasonBuffer) => {
      const reason = reasonBuffer.toString();
      if (this.#socket === socket) this.#socket = null;
      if (code === CloseCode.revoked || code === CloseCode.unsupportedVersion) {
        this.#stopped = true;
        this.options.onFatal(`the hub closed the connection (${code}): ${reason}`);
        return;
      }
      if (this.#stopped) return;
      const delay = backoffDelay(this.#attempt++);
      log.info({ code, reason, retryInMs: delay }, "disconnected from hub; reconnecting");
      this.#retry = setTimeout(() => this.#stopped || this.#dial(), delay);
    });
  }
}
