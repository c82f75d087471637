/**
 * `/chat`: the caller's own chat with the Product-Owner agent, the web console's chat (any API
 * client may use it). Each user has one web chat, made on first use: a chat session like a
 * Telegram chat's, so runs started here report here. Messages go on the session's queue and are
 * answered after the request returns; the live channel (`/chat/live`) or `GET /chat/messages`
 * shows what came of them.
 */
import {
  ChatAccepted,
  ChatFeed,
  ChatFeedQuery,
  PressChatButton,
  SendChatMessage,
  SendChatSecret,
} from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { getAgentByName } from "agents";
import type { WebInput } from "../../chat/web/inbound.ts";
import { conflict, notFound } from "../../domain/errors.ts";
import { findUser } from "../../domain/users.ts";
import { webChatOf } from "../../domain/web-chats.ts";
import type { AppContext } from "../../http/context.ts";
import { errorBody } from "../../http/errors.ts";
import { fromSameOrigin } from "../../http/session-cookie.ts";
import { bodyErrors, commonErrors, error, json, jsonBody, router, security } from "../openapi.ts";

const tags = ["chat"];

async function callersChat(c: AppContext) {
  const chatId = await webChatOf(c.get("db"), c.get("principal").userId);
  return getAgentByName(c.env.CHAT_SESSION, String(chatId));
}

async function deliver(c: AppContext, input: WebInput, clientId: string | undefined) {
  const user = await findUser(c.get("db"), c.get("principal").userId);
  const outcome = await (await callersChat(c)).receiveWeb(input, user.name, clientId);
  if (outcome === "no_keyring")
    throw conflict("Secrets cannot be stored here: SECRETS_KEY is not set. Ask an admin to set it.");
  if (outcome === "no_button") throw notFound("button");
  if (outcome === "duplicate") return c.json({ queued: false }, 200);
  return c.json({ queued: true }, 202);
}

const accepted = {
  202: json(ChatAccepted, "Queued: the answer follows in the chat"),
  200: json(ChatAccepted, "Taken before (the same clientId): not queued again"),
  ...bodyErrors,
};

export const chatRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/chat/messages",
      operationId: "read_chat",
      tags,
      security,
      summary: "Your web chat: messages sent or changed after `after`, and what the agent waits for",
      request: { query: ChatFeedQuery },
      responses: { 200: json(ChatFeed, "The chat since `after`"), ...commonErrors },
    }),
    async (c) => c.json(await (await callersChat(c)).webFeed(c.req.valid("query").after), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/chat/messages",
      operationId: "send_chat_message",
      tags,
      security,
      summary: "Write to the Product-Owner agent (a /command works as in Telegram)",
      request: { body: jsonBody(SendChatMessage) },
      responses: accepted,
    }),
    (c) => {
      const { text, clientId } = c.req.valid("json");
      return deliver(c, { kind: "text", text }, clientId);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/chat/buttons",
      operationId: "press_chat_button",
      tags,
      security,
      summary: "Press a button under one of the chat's messages",
      request: { body: jsonBody(PressChatButton) },
      responses: accepted,
    }),
    (c) => {
      const { messageId, data, clientId } = c.req.valid("json");
      return deliver(c, { kind: "button", messageId, data }, clientId);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/chat/secret",
      operationId: "answer_chat_secret",
      tags,
      security,
      summary: "Answer the open secret request (write-only: the value is stored encrypted, never shown)",
      description:
        "Only answers a secret the chat asked for (`request.kind` is `secret` in the feed); otherwise the value is dropped and the chat says so.",
      request: { body: jsonBody(SendChatSecret) },
      responses: { ...accepted, ...{ 409: error("No SECRETS_KEY to store secrets with") } },
    }),
    (c) => {
      const { value, clientId } = c.req.valid("json");
      return deliver(c, { kind: "secret", value }, clientId);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/chat/live",
      operationId: "chat_live",
      tags,
      security,
      summary: "Your web chat, live (a WebSocket): one JSON frame per message sent or changed, and state",
      description:
        'Frames: `{"type":"message","message":ChatMessage,"cursor":n}`, `{"type":"state","request":ChatRequest|null,"busy":bool}`, `{"type":"toast","text":…}`. Read `GET /chat/messages?after=<cursor>` after connecting (and after a reconnect) for what came before.',
      responses: {
        101: { description: "Switching protocols" },
        426: error("Not a WebSocket upgrade"),
        ...commonErrors,
      },
    }),
    async (c) => {
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
        return c.json(errorBody("invalid_request", "Connect with a WebSocket upgrade."), 426);
      // A browser sends the session cookie with any site's WebSocket: only the console's own pages may use it.
      const bySession = c.req.header("Authorization") === undefined;
      if (bySession && !fromSameOrigin(c))
        return c.json(errorBody("forbidden", "Cross-site WebSocket refused."), 403);
      const headers = new Headers(c.req.raw.headers);
      headers.delete("authorization");
      headers.delete("cookie");
      return (await callersChat(c)).fetch(new Request(c.req.raw, { headers }));
    },
  );
