/**
 * The web chat through `/api/v1/chat` and its live WebSocket, end to end (real Worker under
 * wrangler dev, loopback Anthropic): a question answered by a button, the live channel's frames, a
 * secret sent through the write-only field (stored, never in the chat, the model's requests or the
 * Worker's output), a value nobody asked for dropped, forged buttons refused, each user's chat
 * their own, and a cross-site WebSocket refused.
 */
import type { ChatFeed, ChatLiveFrame, ChatMessage } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatHarness, eventually, lastUserText } from "./support/chat.ts";

const CANARY = "canary-web-secret-5f1d0c2b9e";

let chat: ChatHarness;

interface Member {
  userId: string;
  key: string;
}

async function member(name: string): Promise<Member> {
  const user = await chat.api<{ id: string }>("/users", { name });
  const key = await chat.api<{ key: string }>("/api-keys", { name: `${name}'s key`, userId: user.id });
  return { userId: user.id, key: key.key };
}

async function call<T>(who: Member, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${chat.worker.api}${route}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${who.key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

const feed = async (who: Member) => (await call<ChatFeed>(who, "/chat/messages")).body;

/** Polls the chat's feed until a message matches. */
async function waitFor(who: Member, match: (message: ChatMessage) => boolean, what: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = (await feed(who)).items.find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no chat message: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const waitMessage = (who: Member, part: string) =>
  waitFor(who, (message) => message.html.includes(part), part);

function openLive(headers: Record<string, string>): Promise<{ frames: ChatLiveFrame[]; socket: WebSocket }> {
  const url = `${chat.worker.api.replace(/^http/, "ws")}/chat/live`;
  // Node's WebSocket (undici) takes headers, as a browser sends its cookie and origin.
  const socket = new WebSocket(url, { headers } as never);
  const frames: ChatLiveFrame[] = [];
  socket.addEventListener("message", (event) => frames.push(JSON.parse(String(event.data))));
  return new Promise((resolve, reject) => {
    socket.addEventListener("open", () => resolve({ frames, socket }));
    socket.addEventListener("error", () => reject(new Error("the live channel did not open")));
  });
}

beforeAll(async () => {
  chat = await ChatHarness.start();
}, 120_000);

afterAll(async () => {
  await chat?.stop();
});

describe("the web chat", () => {
  it("asks by button, takes a secret write-only, and shows it all live", async () => {
    const una = await member("Una");
    chat.respond((request) => {
      const last = lastUserText(request);
      if (last.startsWith("I need a shop"))
        return {
          tool: { name: "ask_user", input: { question: "Which payments?", options: ["Stripe", "None"] } },
        };
      if (last === "Stripe")
        return {
          tool: { name: "create_project", input: { name: "Shop", description: "A shop with Stripe." } },
        };
      if (last.includes('"slug":"shop"') && !last.includes("STRIPE_API_KEY"))
        return {
          tool: {
            name: "request_secret",
            input: { project: "shop", name: "STRIPE_API_KEY", description: "Stripe key" },
          },
        };
      return { text: `Noted: ${last}` };
    });
    const live = await openLive({ authorization: `Bearer ${una.key}` });
    await eventually(() => live.frames.find((frame) => frame.type === "state"), "the state frame on connect");

    expect((await call(una, "/chat/messages", { text: "I need a shop backend" })).status).toBe(202);
    const question = await waitMessage(una, "Which payments?");
    expect(question.buttons.flat().map((button) => button.text)).toEqual(["Stripe", "None"]);
    expect((await feed(una)).request).toEqual({
      kind: "question",
      question: "Which payments?",
      options: ["Stripe", "None"],
    });
    const mine = (await feed(una)).items.find((message) => message.from === "you");
    expect(mine?.html).toBe("I need a shop backend");

    // A button the chat never showed is refused; the real one answers the question.
    const forged = await call(una, "/chat/buttons", { messageId: question.id, data: "prj:del:x" });
    expect(forged.status).toBe(404);
    const stripe = question.buttons.flat().find((button) => button.text === "Stripe");
    await call(una, "/chat/buttons", { messageId: question.id, data: stripe?.data });
    // The answer shows as Una's own message.
    await waitFor(una, (message) => message.from === "you" && message.html === "Stripe", "Una's answer");
    await waitMessage(una, "Please send the value of <code>STRIPE_API_KEY</code>");
    expect((await feed(una)).request).toEqual({ kind: "secret", name: "STRIPE_API_KEY", project: "shop" });

    expect((await call(una, "/chat/secret", { value: CANARY })).status).toBe(202);
    await waitMessage(una, "🔒 Stored <code>STRIPE_API_KEY</code> for <code>shop</code>, encrypted.");
    await waitMessage(una, "Noted: The user sent STRIPE_API_KEY");
    const after = await feed(una);
    expect(after.request).toBeNull();
    // The placeholder the secret showed as is deleted, as a Telegram message would be.
    expect(after.items.filter((message) => message.deleted)).toHaveLength(1);

    // Live: the same messages arrived on the socket without asking.
    const liveTexts = live.frames.flatMap((frame) => (frame.type === "message" ? [frame.message.html] : []));
    expect(liveTexts.some((html) => html.includes("Which payments?"))).toBe(true);
    expect(liveTexts.some((html) => html.includes("🔒 Stored"))).toBe(true);
    expect(live.frames.some((frame) => frame.type === "state" && frame.busy)).toBe(true);
    live.socket.close();

    const projects = await chat.api<{ items: { id: string; slug: string }[] }>(
      `/projects?ownerId=${una.userId}`,
    );
    const shop = projects.items.find((project) => project.slug === "shop");
    const secrets = await chat.api<{ items: { name: string }[] }>(`/projects/${shop?.id}/secrets`);
    expect(secrets.items.map((secret) => secret.name)).toEqual(["STRIPE_API_KEY"]);

    // The value went nowhere: not the chat, not the live frames, not the model, not the Worker's output.
    expect(JSON.stringify(after)).not.toContain(CANARY);
    expect(JSON.stringify(live.frames)).not.toContain(CANARY);
    expect(chat.model.requests.some((request) => request.body.includes(CANARY))).toBe(false);
    expect(chat.worker.output()).not.toContain(CANARY);
  });

  it("drops a value sent when no secret was asked for, and keeps each user's chat their own", async () => {
    const ada = await member("Ada");
    const bob = await member("Bob");
    chat.respond((request) => ({ text: `Echo: ${lastUserText(request)}` }));
    await call(ada, "/chat/secret", { value: CANARY });
    await waitMessage(ada, "No secret was asked for, so I did not keep that value.");
    expect(chat.model.requests.some((request) => request.body.includes(CANARY))).toBe(false);

    // A retry with the same client id is taken once.
    const first = await call(ada, "/chat/messages", { text: "hello from Ada", clientId: "retry-0001-abc" });
    const again = await call(ada, "/chat/messages", { text: "hello from Ada", clientId: "retry-0001-abc" });
    expect([first.status, first.body, again.status, again.body]).toEqual([
      202,
      { queued: true },
      200,
      { queued: false },
    ]);
    await waitMessage(ada, "Echo: hello from Ada");
    const said = (await feed(ada)).items.filter((message) => message.html === "hello from Ada");
    expect(said).toHaveLength(1);
    const bobs = await feed(bob);
    expect(JSON.stringify(bobs)).not.toContain("Ada");
    expect(bobs.items).toEqual([]);

    // Commands work as in Telegram.
    await call(bob, "/chat/messages", { text: "/help" });
    await waitMessage(bob, "/projects");
  });

  it("refuses bad input with a JSON error, and a cross-site WebSocket with a session cookie", async () => {
    const cy = await member("Cy");
    const empty = await call<{ error: { code: string } }>(cy, "/chat/messages", { text: "  " });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("invalid_request");
    const notSocket = await call<{ error: { code: string } }>(cy, "/chat/live");
    expect(notSocket.status).toBe(426);

    const link = await chat.api<{ url: string }>("/sign-in-links", { userId: cy.userId });
    // The token is the link's fragment, posted by the sign-in page's form.
    const signIn = await fetch(`${chat.worker.origin}/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: { origin: chat.worker.origin, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: new URL(link.url).hash.slice(1) }),
    });
    const cookie = signIn.headers.get("set-cookie")?.split(";")[0] ?? "";
    expect(cookie).toMatch(/=/);
    const sameSite = await openLive({ cookie, origin: chat.worker.origin });
    await eventually(() => sameSite.frames.length > 0, "a frame on the console's own socket");
    sameSite.socket.close();
    await expect(openLive({ cookie, origin: "http://evil.example" })).rejects.toThrow(/did not open/);
  });
});
