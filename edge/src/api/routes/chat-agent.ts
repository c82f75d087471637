/**
 * What a chat's Product-Owner agent (`PO_ENGINE=cli`, an agent job on an executor) says to its chat
 * through the API (and so as MCP tools): a question with buttons, or a request for a secret the
 * chat captures. Only the key minted for that agent's job (`chatKey`) knows its chat; any other key
 * is told so. The asks are shown when the agent's turn ends, after its answer.
 */
import { AskChatQuestion, ChatAsked, RequestChatSecret } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { getAgentByName } from "agents";
import type { Awaited } from "../../chat/po/conversation.ts";
import { conflict } from "../../domain/errors.ts";
import { findProject } from "../../domain/projects.ts";
import type { AppContext } from "../../http/context.ts";
import { bodyErrors, error, json, jsonBody, router, security } from "../openapi.ts";

const tags = ["chat"];
const NOT_A_CHAT_AGENT = "Only a chat's Product-Owner agent (its job's key) can ask in a chat.";

async function askInChat(c: AppContext, awaited: Awaited) {
  const { chatId } = c.get("principal");
  if (chatId === undefined) throw conflict(NOT_A_CHAT_AGENT);
  const chat = await getAgentByName(c.env.CHAT_SESSION, String(chatId));
  const note = await chat.agentAsks(awaited);
  if (note === null) throw conflict("The chat's agent turn this key belongs to has ended.");
  return c.json({ asked: true as const, note }, 200);
}

const asked = {
  200: json(ChatAsked, "Asked: shown to the user when this turn ends"),
  409: error("Not a chat agent's key, or its turn has ended"),
  ...bodyErrors,
};

export const chatAgentRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/chat/questions",
      operationId: "ask_chat_question",
      tags,
      security,
      summary: "A chat's Product-Owner agent asks its user one question (with answers as buttons)",
      description:
        "For the chat's agent only. The question is shown after the agent's answer; the user's reply (a button's text, or what they write) is the agent's next message. End the turn after asking.",
      request: { body: jsonBody(AskChatQuestion) },
      responses: asked,
    }),
    (c) => {
      const { question, options } = c.req.valid("json");
      return askInChat(c, { kind: "question", question, options });
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/chat/secret-requests",
      operationId: "request_chat_secret",
      tags,
      security,
      summary: "A chat's Product-Owner agent asks its user for a project's secret (the agent never sees it)",
      description:
        "For the chat's agent only. The chat asks for the value, stores it encrypted and deletes the user's message; the agent's next message says it was set. Never ask for a secret in the conversation itself.",
      request: { body: jsonBody(RequestChatSecret) },
      responses: asked,
    }),
    async (c) => {
      const { projectId, name, description } = c.req.valid("json");
      const project = await findProject(c.get("db"), c.get("principal"), projectId);
      return askInChat(c, { kind: "secret", projectId, projectSlug: project.slug, name, description });
    },
  );
