/**
 * The bot's flows end to end (real Worker under wrangler dev; loopback Telegram and Anthropic):
 * access requests decided by an admin, the secret flow, and a long conversation compacted.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseEnv } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadKeyring, openSecret } from "../edge/src/secrets/crypto.ts";
import { ADMIN_ID, ChatHarness, eventually, lastUserText } from "./support/chat.ts";
import { filesUnder, queryD1 } from "./support/d1.ts";

let chat: ChatHarness;
const admin = { id: ADMIN_ID, first_name: "Ada", username: "ada" };
let nextChat = 3000;
const CANARY = "sk_live_CANARY_7f3a9c2e1b";

async function member(name = "Member") {
  const id = nextChat++;
  const user = await chat.api<{ id: string }>("/users", { name, telegramId: id });
  return { id, first_name: name, userId: user.id };
}

const texts = (id: number) => chat.telegram.texts(id);
const waitText = (id: number, pattern: RegExp | string, what = String(pattern)) =>
  eventually(
    () =>
      texts(id).find((text) => (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text))),
    what,
  );

/** A bare repository (file://) whose main holds `files`. */
function bareRepoWith(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "co-flows-repo-"));
  const work = path.join(root, "work");
  mkdirSync(work);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(work, name), content);
  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", ["-C", cwd, ...args], { stdio: "ignore" });
  git(root, "init", "--quiet", "--bare", "--initial-branch=main", "repo.git");
  git(work, "init", "--quiet", "--initial-branch=main");
  git(work, "add", "--all");
  git(work, "-c", "user.name=Rui", "-c", "user.email=rui@example.com", "commit", "--quiet", "-m", "start");
  git(work, "push", "--quiet", path.join(root, "repo.git"), "main");
  return pathToFileURL(path.join(root, "repo.git")).href;
}

/** Every file under `dir`, recursively. */
beforeAll(async () => {
  // Rui's project imports a local bare repository: allowed in this local set-up only.
  chat = await ChatHarness.start({ PO_HISTORY_MAX_CHARS: "6000", REPO_ALLOW_LOCAL: "true" });
}, 120_000);

afterAll(async () => {
  await chat?.stop();
});

describe("access", () => {
  it("refuses an unknown user politely, asks the admins once, and lets them in when approved", async () => {
    const stranger = { id: nextChat++, first_name: "Grace", username: "grace" };
    chat.respond(() => ({ text: "Welcome aboard." }));
    await chat.say(stranger, "hello?");
    await waitText(stranger.id, "asked its admins");
    const request = await waitText(ADMIN_ID, `<code>${stranger.id}</code>`, "the admin's access request");
    expect(request).toContain("Grace (@grace)");
    const asked = chat.telegram.sent("sendMessage", ADMIN_ID).find((call) => call.payload.text === request);
    expect(
      asked?.payload.reply_markup.inline_keyboard[0].map((b: { callback_data: string }) => b.callback_data),
    ).toEqual([`acc:ok:${stranger.id}`, `acc:no:${stranger.id}`]);

    await chat.say(stranger, "anyone?");
    await waitText(stranger.id, "still waiting for an admin");
    const requests = () => texts(ADMIN_ID).filter((text) => text.includes(`<code>${stranger.id}</code>`));
    expect(requests()).toHaveLength(1);

    await chat.press(admin, `acc:ok:${stranger.id}`, asked?.result.message_id);
    await waitText(stranger.id, "You have access now");
    const edit = await eventually(
      () =>
        chat.telegram
          .sent("editMessageText", ADMIN_ID)
          .find((call) => call.payload.text.includes("approved")),
      "the admin's message edited",
    );
    expect(edit.payload.text).toBe("Grace: ✅ approved by Ada.");
    await chat.say(stranger, "let me build something");
    await waitText(stranger.id, "Welcome aboard.");
  });

  it("keeps a denied user out", async () => {
    const stranger = { id: nextChat++, first_name: "Eve" };
    await chat.say(stranger, "let me in");
    await waitText(ADMIN_ID, `<code>${stranger.id}</code>`);
    await chat.press(admin, `acc:no:${stranger.id}`);
    await waitText(stranger.id, "has not given you access");
    const before = chat.model.requests.length;
    await chat.say(stranger, "please?");
    await eventually(() => texts(stranger.id).length >= 3 && true, "the second refusal");
    expect(texts(stranger.id).at(-1)).toContain("has not given you access");
    expect(chat.model.requests.length).toBe(before);
  });
  it("gives admins their lists: users (pending ones with approve buttons), servers and executors", async () => {
    const waiting = { id: nextChat++, first_name: "Walt" };
    await chat.say(waiting, "hi");
    await waitText(waiting.id, "asked its admins");
    // Open for first-use host keys, like rui-host below: a run placed here goes on to its deploy.
    await chat.api("/servers", {
      name: "edge-1",
      host: "127.0.0.1",
      memoryMb: 2048,
      cpuCores: 2,
      trustFirstHostKey: true,
    });
    await chat.api("/executors", { name: "builder-1" });
    for (const command of ["/users", "/servers", "/executors"]) await chat.say(admin, command);
    const users = await eventually(
      () =>
        chat.telegram
          .sent("sendMessage", ADMIN_ID)
          .find((call) => String(call.payload.text).includes("⏳ Walt")),
      "the user list",
    );
    const approve = (users.payload.reply_markup?.inline_keyboard ?? [])
      .flat()
      .map((b: { callback_data: string }) => b.callback_data);
    expect(approve).toContain(`acc:ok:${waiting.id}`);
    expect(await waitText(ADMIN_ID, "<b>edge-1</b>")).toContain("2048 of 2048 MB free, 0 ports in use");
    expect(await waitText(ADMIN_ID, "<b>builder-1</b>")).toContain("offline");
  });
});

describe("secrets", () => {
  it("stores the reply to a secret request encrypted, deletes it, and shows it to nobody", async () => {
    const user = await member("Sam");
    chat.respond((request) => {
      const last = lastUserText(request);
      if (last.startsWith("I need a shop")) {
        return {
          blocks: [
            { text: "Let me set that up." },
            {
              tool: {
                name: "create_project",
                input: { name: "Shop", description: "A shop backend with Stripe payments." },
              },
            },
          ],
        };
      }
      if (last.includes('"slug":"shop"') && !last.includes("STRIPE_API_KEY")) {
        return {
          tool: {
            name: "request_secret",
            input: {
              project: "shop",
              name: "STRIPE_API_KEY",
              description: "Your Stripe secret key (Dashboard → Developers).",
            },
          },
        };
      }
      return { text: `Noted: ${last}` };
    });
    await chat.say(user, "I need a shop backend that takes Stripe payments");
    await waitText(user.id, "Please send the value of <code>STRIPE_API_KEY</code>");
    const { messageId } = await chat.say(user, CANARY);
    await waitText(
      user.id,
      "🔒 Stored <code>STRIPE_API_KEY</code> for <code>shop</code>, encrypted. I deleted your message.",
    );
    await waitText(user.id, /^Noted: The user sent STRIPE_API_KEY; it is stored encrypted/);
    expect(chat.telegram.sent("deleteMessage", user.id).map((call) => call.payload.message_id)).toEqual([
      messageId,
    ]);

    const projects = await chat.api<{ items: { id: string; slug: string }[] }>(
      `/projects?ownerId=${user.userId}`,
    );
    const shop = projects.items.find((project) => project.slug === "shop");
    expect(shop).toBeDefined();
    const listed = await chat.api<{ items: { name: string }[] }>(`/projects/${shop?.id}/secrets`);
    expect(listed.items.map((secret) => secret.name)).toEqual(["STRIPE_API_KEY"]);

    // Stored sealed: the row decrypts to the value with the server's key, and holds no plaintext.
    const [sealed] = await queryD1<{ ciphertext: string; iv: string; key_version: number }>(
      chat.dir,
      "SELECT ciphertext, iv, key_version FROM secrets WHERE project_id = ?",
      shop?.id ?? "",
    );
    const row = sealed as NonNullable<typeof sealed>;
    const keySpec = parseEnv(await readFile(chat.worker.devVarsFile, "utf8")).SECRETS_KEY;
    const value = await openSecret(
      await loadKeyring(keySpec),
      { projectId: shop?.id ?? "", name: "STRIPE_API_KEY" },
      {
        ciphertext: row.ciphertext,
        iv: row.iv,
        keyVersion: row.key_version,
      },
    );
    expect(value).toBe(CANARY);

    // Nowhere else: not in any model request, outbound Telegram call, log line or state file.
    expect(chat.model.requests.filter((request) => request.body.includes(CANARY))).toEqual([]);
    expect(chat.telegram.calls.filter((call) => JSON.stringify(call.payload).includes(CANARY))).toEqual([]);
    expect(chat.worker.output()).not.toContain(CANARY);
    const leaks: string[] = [];
    for (const file of await filesUnder(chat.dir)) {
      if ((await readFile(file)).includes(CANARY)) leaks.push(path.relative(chat.dir, file));
    }
    expect(leaks).toEqual([]);
  });

  it("asks for a run's secret after the question that was open, which keeps its answer", async () => {
    const user = await member("Rui");
    const { key } = await chat.api<{ key: string }>("/api-keys", { name: "rui", userId: user.userId });
    const asRui = async (route: string, body: unknown): Promise<any> => {
      const response = await fetch(`${chat.worker.api}${route}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status, await response.clone().text()).toBe(201);
      return response.json();
    };
    // Rui's project: its repository's .env.example needs one value only Rui has.
    const repo = bareRepoWith({
      ".env.example": "# user: the token API clients send\nRUI_TOKEN=\n",
      "orchestrator.json": JSON.stringify({
        test: { command: ["true"] },
        service: { start: ["node", "server.js"] },
      }),
    });
    const project = await asRui("/projects", { name: "Rui API", description: "An API.", repoUrl: repo });
    await chat.api("/servers", {
      name: "rui-host",
      host: "10.0.0.9",
      memoryMb: 1024,
      cpuCores: 1,
      trustFirstHostKey: true,
    });
    await chat.fleet.executor(1, {});

    // The Product-Owner agent's question is open when the run needs the value.
    chat.respond((request) => {
      const last = lastUserText(request);
      if (last === "add a rate limit")
        return {
          tool: {
            name: "ask_user",
            input: { question: "How many requests a minute?", options: ["60", "600"] },
          },
        };
      return { text: `Noted: ${last}` };
    });
    await chat.say(user, "add a rate limit");
    await waitText(user.id, "How many requests a minute?");
    const run = await asRui(`/projects/${project.id}/runs`, { kind: "devops" });
    await waitText(user.id, "I will also need");
    expect(texts(user.id).filter((text) => text.includes("RUI_TOKEN"))).toHaveLength(1);

    // Answering the question goes to the model as its tool's result; then the run's request comes.
    await chat.press(user, "ans:1");
    await waitText(user.id, "Noted: 600");
    const answered = JSON.parse(chat.model.requests.at(-1)?.body ?? "{}")
      .messages.flatMap((m: any) => (Array.isArray(m.content) ? m.content : []))
      .filter((b: any) => b.type === "tool_result");
    expect(answered.at(-1)?.content).toBe("600");
    await waitText(user.id, /Please send the value of .*RUI_TOKEN/, "the secret request");
    await chat.say(user, "rui-token-5f1e");
    await waitText(user.id, "I deleted your message.");
    await eventually(async () => {
      const steps = (await chat.api(`/runs/${run.id}/steps`)).items as { name: string; status: string }[];
      return steps.some((step) => step.name === "secrets" && step.status === "succeeded") || undefined;
    }, "the run to go on with the value");
    await chat.api(`/runs/${run.id}/cancel`, {});

    // A request the user makes (/secret) while a question is open replaces it: the question's tool
    // call is answered as set aside, so the conversation stays valid for the model.
    await chat.say(user, "add a rate limit");
    await waitText(user.id, "How many requests a minute?");
    await chat.say(user, `/secret ${project.slug} RUI_OTHER`);
    await waitText(user.id, /Please send the value of .*RUI_OTHER/, "the /secret request");
    await chat.say(user, "other-value-77");
    await waitText(user.id, "<code>RUI_OTHER</code>");
    await chat.say(user, "what next?");
    await waitText(user.id, "Noted: what next?");
    const setAside = JSON.parse(chat.model.requests.at(-1)?.body ?? "{}")
      .messages.flatMap((m: any) => (Array.isArray(m.content) ? m.content : []))
      .filter((b: any) => b.type === "tool_result");
    expect(setAside.at(-1)?.content).toContain("turned to something else before answering");
  });
});

describe("history", () => {
  it("summarises the older part of a long conversation and goes on from the summary", async () => {
    const user = await member("Lena");
    const summaries: string[] = [];
    chat.respond((request) => {
      if ((request.tools ?? []).length === 0) {
        summaries.push(lastUserText(request));
        return { text: "SUMMARY: Lena wants a long-text service." };
      }
      return { text: `ack ${lastUserText(request).slice(0, 12)}` };
    });
    // Each turn adds ~1,550 characters; past 6,000 the older half is summarised.
    for (let i = 0; i < 5; i++) {
      await chat.say(user, `part ${i} ${"x".repeat(1500)}`);
      await eventually(() => chat.telegram.texts(user.id).length > i && true, `reply ${i}`);
    }
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toContain("User: part 0");
    const last = JSON.parse(chat.model.requests.at(-1)?.body ?? "{}");
    expect(last.messages[0].content).toBe(
      "(Summary of the earlier conversation)\nSUMMARY: Lena wants a long-text service.",
    );
    expect(JSON.stringify(last.messages)).not.toContain("part 0 ");
    expect(lastUserText(last)).toContain("part 4");
    expect(last.system).toContain("Product Owner");
  });
});
