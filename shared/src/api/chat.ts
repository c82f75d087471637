/**
 * The web chat with the Product-Owner agent (`/api/v1/chat`): each user's own conversation, the
 * same session machinery as the Telegram chat. Messages are Telegram-style HTML (`b`, `i`, `code`,
 * `pre`, `a href`), escaped by the server; a client shows them through an allow-list of those tags.
 */
import { z } from "zod";
import { Timestamp, Ulid } from "./common.ts";
import { SecretName } from "./projects.ts";
import { AskedQuestion } from "./runs.ts";

export const ChatButton = z.object({
  text: z.string(),
  data: z.string().describe("send it back with `POST /chat/buttons` to press the button"),
});

export const ChatMessage = z
  .object({
    id: z.number().int().positive().describe("grows with every message; `after` pages by it"),
    from: z.enum(["assistant", "you"]),
    html: z.string().describe("empty when `deleted`"),
    buttons: z.array(z.array(ChatButton)).describe("rows of buttons under the message"),
    sentAt: Timestamp,
    editedAt: Timestamp.nullable(),
    deleted: z.boolean(),
  })
  .meta({ id: "ChatMessage" });
export type ChatMessage = z.infer<typeof ChatMessage>;

/** What the next message answers, when the agent waits for something. */
export const ChatRequest = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("question"), question: z.string(), options: z.array(z.string()) }),
    z.object({
      kind: z.literal("secret"),
      name: z.string(),
      project: z.string().describe("the project's slug"),
    }),
    z.object({ kind: z.literal("guidance"), runId: z.string() }),
    z.object({
      kind: z.literal("answer"),
      runId: z.string(),
      question: AskedQuestion.describe("the template's question the next message answers"),
    }),
  ])
  .meta({ id: "ChatRequest" });
export type ChatRequest = z.infer<typeof ChatRequest>;

export const ChatFeed = z
  .object({
    items: z.array(ChatMessage).describe("messages changed or sent after `after`, oldest first"),
    /** The newest change's position: pass it as `after` to read only what changed since. */
    cursor: z.number().int().nonnegative(),
    request: ChatRequest.nullable(),
    busy: z.boolean().describe("the agent is working on a message"),
  })
  .meta({ id: "ChatFeed" });
export type ChatFeed = z.infer<typeof ChatFeed>;

export const ChatFeedQuery = z.strictObject({
  after: z.coerce.number().int().nonnegative().default(0).describe("a previous feed's `cursor`"),
});

/** A client's own id for what it sends: sent again (a retry), it is taken once. */
const ClientId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, "8 to 64 letters, digits, _ or -, such as a UUID")
  .optional()
  .describe("your id for this message: a retry with the same id is taken once");

export const SendChatMessage = z
  .strictObject({
    text: z.string().trim().min(1).max(16_384).describe("a message, or a /command"),
    clientId: ClientId,
  })
  .meta({ id: "SendChatMessage" });

export const PressChatButton = z
  .strictObject({
    messageId: z.number().int().positive(),
    data: z.string().min(1).max(64),
    clientId: ClientId,
  })
  .meta({ id: "PressChatButton" });

export const SendChatSecret = z
  .strictObject({
    value: z.string().min(1).max(32_768).describe("the value the open secret request asks for; never echoed"),
    clientId: ClientId,
  })
  .meta({ id: "SendChatSecret" });

export const ChatAccepted = z
  .object({
    queued: z
      .boolean()
      .describe(
        "true: on the chat's queue, what comes of it shows in the chat; false: this clientId was taken before",
      ),
  })
  .meta({ id: "ChatAccepted" });

/** What the live channel (`GET /chat/live`, a WebSocket) sends: each frame one JSON object. */
export const ChatLiveFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("message"), message: ChatMessage, cursor: z.number().int() }),
  z.object({ type: z.literal("state"), request: ChatRequest.nullable(), busy: z.boolean() }),
  z.object({ type: z.literal("toast"), text: z.string() }),
]);
export type ChatLiveFrame = z.infer<typeof ChatLiveFrame>;

/** A chat's Product-Owner agent (`PO_ENGINE=cli`) asks its user a question, shown when its turn ends. */
export const AskChatQuestion = z
  .strictObject({
    question: z.string().min(1).max(2000).describe("one short question"),
    options: z
      .array(z.string().min(1).max(40))
      .max(6)
      .default([])
      .describe("the answers offered as buttons; the user may also write another"),
  })
  .meta({ id: "AskChatQuestion" });

/**
 * A chat's Product-Owner agent asks its user for a project's secret: the chat captures the value
 * (stored encrypted, deleted from the chat); the agent is only told it was set, never the value.
 */
export const RequestChatSecret = z
  .strictObject({
    projectId: Ulid,
    name: SecretName.describe("environment-variable style, e.g. STRIPE_API_KEY"),
    description: z.string().min(1).max(500).describe("what the value is and where the user finds it"),
  })
  .meta({ id: "RequestChatSecret" });

export const ChatAsked = z
  .object({
    asked: z.literal(true),
    note: z.string().describe("what happens next, for the agent"),
  })
  .meta({ id: "ChatAsked" });
