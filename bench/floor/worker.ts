/**
 * The executor fleet benchmark's floor: the least a Durable Object does per executor frame, over a
 * hibernating WebSocket as the hub's are: parse the JSON frame, write one SQLite row when the
 * socket asked for writes (`?write=1`), answer. `npm run bench` measures the hub against it in the
 * same run, so the ratio says how much of the machine's per-object ceiling our code leaves unused.
 */
import { DurableObject } from "cloudflare:workers";

interface Env {
  FLOOR: DurableObjectNamespace<Floor>;
}

const WRITES = "write";

export class Floor extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS frames (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  }

  override async fetch(request: Request): Promise<Response> {
    const pair = new WebSocketPair();
    const tags = new URL(request.url).searchParams.get("write") === "1" ? [WRITES] : [];
    this.ctx.acceptWebSocket(pair[1], tags);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, frame: string | ArrayBuffer): Promise<void> {
    const text = typeof frame === "string" ? frame : new TextDecoder().decode(frame);
    const message = JSON.parse(text) as { id: number };
    if (this.ctx.getTags(ws).includes(WRITES))
      this.ctx.storage.sql.exec("INSERT INTO frames (body) VALUES (?)", text);
    ws.send(JSON.stringify({ type: "pong", id: message.id }));
  }
}

export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    if (new URL(request.url).pathname === "/health") return new Response("ok");
    return env.FLOOR.getByName("floor").fetch(request);
  },
} satisfies ExportedHandler<Env>;
