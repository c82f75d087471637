/**
 * `ChatSession`: one Durable Object per Telegram chat (an `agents` SDK `Agent`), holding the chat's
 * conversation with the Product-Owner agent.
 *
 * The webhook hands each update to `receive`, which de-duplicates it by `update_id` and puts it
 * on the agent's durable queue, then returns: the work happens after Telegram has its 200. The
 * queue runs one update at a time in arrival order, so messages that arrive while the agent works
 * wait their turn; none is dropped or interleaved. The state (`IDLE`, `PROCESSING`,
 * `AWAITING_USER`, `AWAITING_SECRET`) says what the next message means: an answer to the open
 * question, or a secret, which is sealed and stored, and its message deleted.
 */
import type { ChatFeed } from "@codegen-orchestrator/shared";
import { Agent, type Connection, type ConnectionContext } from "agents";
import { database } from "../db/client.ts";
import type { RunRow } from "../domain/runs.ts";
import { isWebChat, webChatAccess } from "../domain/web-chats.ts";
import type { Env } from "../env.ts";
import { modelClient } from "../models/client.ts";
import { usageRecorder } from "../models/costs.ts";
import { roleModel } from "../models/roles.ts";
import { launchRun, stopRun } from "../pipelines/launch.ts";
import type { RunChat, RunSecretRequest } from "../pipelines/run-chat.ts";
import { telegramSettings } from "../settings/telegram.ts";
import { telegramChannel } from "../telegram/channel.ts";
import { escapeHtml } from "../telegram/format.ts";
import { classify, type TelegramUpdate } from "../telegram/update.ts";
import { accessOf, REFUSALS, requestAccess } from "./access.ts";
import { runCallback } from "./callbacks.ts";
import type { ChatChannel } from "./channel.ts";
import { runCommand } from "./commands.ts";
import { chatConfig } from "./config.ts";
import type { ChatContext, SessionControls } from "./context.ts";
import { failureMessage } from "./failures.ts";
import { type Handled, inboxKeyring, openInbound, type Queued, SeenUpdates, sealInbound } from "./inbox.ts";
import type { ChatState } from "./pending.ts";
import { type ConversationDeps, converse, type Pending, resume, transcript } from "./po/conversation.ts";
import { History } from "./po/history.ts";
import { ChatRequests } from "./requests.ts";
import { RunReports } from "./run-reports.ts";
import { runLine } from "./views.ts";
import { type WebInput, webInbound } from "./web/inbound.ts";
import { WebChat } from "./web/web-chat.ts";

export type ReceiveOutcome = "queued" | "duplicate" | "ignored";
/** `no_keyring`: a secret, and no SECRETS_KEY to keep it; `no_button`: no such button on that message. */
export type WebReceiveOutcome = "queued" | "no_keyring" | "no_button";

const NO_SECRET_ASKED =
  "No secret was asked for, so I did not keep that value. To set one, use /secret, or ask me.";

export class ChatSession extends Agent<Env, ChatState> implements RunChat {
  override initialState: ChatState = { mode: "IDLE", pending: null, projectId: null, deferred: [] };
  #history: History | undefined;
  #reports: RunReports | undefined;
  #web: WebChat | undefined;
  /** The open request (what the next message answers) and the runs' requests waiting for it. */
  readonly #requests = new ChatRequests({
    env: this.env,
    state: () => this.state,
    setState: (state) => this.setState(state),
    history: () => this.#conversation(),
    schedule: (delayS, method, payload) => this.schedule(delayS, method, payload),
    chatId: () => this.#chatId(),
    channel: () => this.#channel(),
    tell: (channel, html) => this.#tell(channel, this.#chatId(), html),
  });

  /** Called by the webhook: remembers the update and queues it; the work happens after this returns. */
  async receive(update: TelegramUpdate): Promise<ReceiveOutcome> {
    if (!new SeenUpdates(this.ctx.storage.sql).firstTime(update.update_id)) return "duplicate";
    const inbound = classify(update);
    if (inbound.kind === "ignored") {
      console.log(
        JSON.stringify({ event: "telegram.ignored", updateId: inbound.updateId, reason: inbound.reason }),
      );
      return "ignored";
    }
    const queued = await sealInbound(await inboxKeyring(this.env), inbound);
    // One attempt: a handler never throws (failures are told to the user), and a replay could repeat effects.
    await this.queue("handle", queued, { retry: { maxAttempts: 1 } });
    return "queued";
  }

  /**
   * Called by `/api/v1/chat` for this web chat: queues a message, a button press or a secret, as
   * `receive` does a Telegram update. `userName`: how the chat greets its user.
   */
  async receiveWeb(input: WebInput, userName: string): Promise<WebReceiveOutcome> {
    const keyring = await inboxKeyring(this.env);
    if (input.kind === "secret" && !keyring) return "no_keyring";
    if (input.kind === "button" && !this.#webChat().hasButton(input.messageId, input.data))
      return "no_button";
    const updateId = crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
    const inbound = webInbound(this.#chatId(), updateId, userName, input);
    await this.queue("handle", await sealInbound(keyring, inbound), { retry: { maxAttempts: 1 } });
    return "queued";
  }

  /** This web chat's messages changed after `after`, and what the agent waits for. */
  async webFeed(after: number): Promise<ChatFeed> {
    return this.#webChat().feed(after);
  }

  /** The queue's worker: one update at a time, in arrival order. */
  async handle(queued: Queued): Promise<void> {
    const channel = this.#channel();
    try {
      const db = database(this.env.DB);
      const admins = this.#telegram().ADMIN_TELEGRAM_IDS;
      const opened = await openInbound(await inboxKeyring(this.env), queued);
      const access = isWebChat(opened.chatId)
        ? await webChatAccess(db, opened.chatId)
        : await accessOf(db, admins, opened.from);
      if (!access.allowed) {
        if (opened.kind === "callback")
          return await channel.answerCallback(opened.callbackId, "No access yet");
        if (access.status === "new") await requestAccess(db, channel, admins, opened.from);
        await channel.send(opened.chatId, REFUSALS[access.status]);
        return;
      }
      const inbound: Handled = this.#web ? this.#web.show(opened) : opened;
      this.#requests.setMode("PROCESSING");
      const ctx: ChatContext = {
        env: this.env,
        db,
        channel,
        chatId: inbound.chatId,
        ...access,
        admins,
        session: this.#controls(channel),
      };
      if (inbound.kind === "command") return await runCommand(ctx, inbound.command, inbound.args);
      if (inbound.kind === "text") return await this.#onText(ctx, inbound.text, inbound.messageId);
      if (inbound.kind === "secret") return await this.#onSecret(ctx, inbound.text, inbound.messageId);
      const option = /^ans:(\d+)$/.exec(inbound.data);
      if (!option)
        return await runCallback(
          ctx,
          { messageId: inbound.messageId, data: inbound.data },
          inbound.callbackId,
        );
      await channel.answerCallback(inbound.callbackId);
      const answer = this.#requests.optionAnswer(Number(option[1]));
      if (answer === undefined)
        return await channel.send(inbound.chatId, "That question is closed already.").then(() => {});
      await channel.send(inbound.chatId, `➡️ ${escapeHtml(answer)}`);
      await this.#onText(ctx, answer, null);
    } catch (err) {
      await this.#tell(channel, queued.chatId, failureMessage(err, roleModel(this.env, "po").maxRetries));
    } finally {
      this.#requests.setMode(null);
      // A run's request that waited for the one this update closed (never throws).
      await this.#requests.askDeferred(channel);
    }
  }

  /** Scheduled when a run's status edit had to wait (throttled): sends the newest text. */
  async flushRunStatus(payload: { runId: string }): Promise<void> {
    await this.#runReports().flush(payload.runId);
  }

  /** Scheduled while a run's stage runs a job: shows the job's progress under the stage. */
  async watchRunJobs(payload: { runId: string }): Promise<void> {
    await this.#runReports().watchJobs(payload.runId);
  }

  /** Scheduled when a question or secret request opens: reminds once, if it is still open. */
  async remindPending(payload: { askedAt: number }): Promise<void> {
    await this.#requests.remind(payload);
  }

  /** Scheduled with the reminder: closes the request if nobody answered. */
  async expirePending(payload: { askedAt: number }): Promise<void> {
    await this.#requests.expire(payload);
  }

  async #onText(ctx: ChatContext, text: string, messageId: number | null): Promise<void> {
    const pending = this.state.pending;
    if (pending?.kind === "secret" && messageId !== null) return this.#onSecret(ctx, text, messageId);
    this.#requests.setPending(null);
    if (pending?.kind === "guidance") return this.#requests.giveGuidance(ctx, pending.runId, text);
    if (pending?.toolUseId) return this.#turn(ctx, (deps) => resume(deps, pending, text));
    await this.#turn(ctx, (deps) => converse(deps, text));
  }

  /** The answer to the open secret request, stored; a value nobody asked for is dropped. */
  async #onSecret(ctx: ChatContext, value: string, messageId: number): Promise<void> {
    const pending = this.state.pending;
    if (pending?.kind !== "secret") {
      await ctx.channel.delete(ctx.chatId, messageId);
      await ctx.channel.send(ctx.chatId, NO_SECRET_ASKED);
      return;
    }
    if (!(await this.#requests.storeSecret(ctx, pending, value, messageId))) return;
    if (pending.toolUseId === null) return;
    const told = `The user sent ${pending.name}; it is stored encrypted for project ${pending.projectSlug}. You cannot see its value.`;
    await this.#turn(ctx, (deps) => resume(deps, pending, told));
  }

  /** Runs a model turn and keeps what it paused on. */
  async #turn(ctx: ChatContext, step: (deps: ConversationDeps) => Promise<Pending | null>): Promise<void> {
    const settings = roleModel(this.env, "po");
    const client = modelClient(this.env, settings);
    if (!client) {
      await ctx.channel.send(
        ctx.chatId,
        "The Product-Owner agent is not configured here (no ANTHROPIC_API_KEY). Commands still work: /help.",
      );
      return;
    }
    const project = { current: this.state.projectId };
    await ctx.channel.typing(ctx.chatId).catch(() => {});
    const deps: ConversationDeps = {
      client,
      settings,
      limits: chatConfig(this.env),
      history: this.#conversation(),
      tools: {
        env: ctx.env,
        db: ctx.db,
        actor: ctx.actor,
        chatId: ctx.chatId,
        runChanged: (run) => this.#runChanged(run),
      },
      say: async (text) => {
        await ctx.channel.sendText(ctx.chatId, text);
      },
      ask: (pending) => this.#requests.ask(ctx.channel, pending),
      recordUsage: usageRecorder(ctx.db, ctx.chatId, settings),
      project,
    };
    try {
      const pending = await step(deps);
      if (pending) this.#requests.setPending(pending);
    } finally {
      if (project.current !== this.state.projectId)
        this.setState({ ...this.state, projectId: project.current });
    }
  }

  /**
   * Launches a new run's workflow from this chat (its progress comes back here), or stops a
   * cancelled one's, and shows the run's status.
   */
  async #runChanged(run: RunRow): Promise<void> {
    // The status message first: the workflow's progress edits it from its first step on.
    await this.#runReports().show(run.id, runLine(run));
    if (run.status === "queued") await launchRun(this.env, database(this.env.DB), run, this);
    if (run.status === "cancelled") await stopRun(this.env, run);
  }

  /** A run asks its user what to do (its tests still fail after the last fix iteration). Never throws. */
  async askRunDecision(runId: string, situation: string): Promise<void> {
    await this.#runReports().askDecision(runId, situation);
  }

  /** A DevOps run needs a value only the user has (the chat's secret flow). Never throws. */
  async requestRunSecret(runId: string, secret: RunSecretRequest): Promise<void> {
    await this.#runReports().requestSecret(runId, secret);
  }

  /** The conversation as plain text for the Architect (the last 20,000 characters; never a secret). */
  async conversationBrief(): Promise<string> {
    return transcript(this.#conversation().messages()).slice(-20_000);
  }

  /** A pipeline's progress (`reportProgress`): the run's status message, where there is a chat. */
  override async onWorkflowProgress(_workflow: string, _id: string, progress: unknown): Promise<void> {
    await this.#runReports().stage(progress);
  }

  #controls(channel: ChatChannel): SessionControls {
    return {
      ...this.#requests.controls(channel),
      newConversation: () => {
        this.#conversation().clear();
        this.setState({ ...this.state, pending: null, projectId: null });
      },
      runChanged: (run) => this.#runChanged(run),
    };
  }

  async #tell(channel: ChatChannel, chatId: number, html: string): Promise<void> {
    try {
      await channel.send(chatId, html);
    } catch (err) {
      console.error(
        JSON.stringify({
          event: "chat.reply_failed",
          chatId,
          error: err instanceof Error ? err.message : String(err),
        }),
      );
    }
  }

  #channel(): ChatChannel {
    if (isWebChat(this.#chatId())) return this.#webChat().channel();
    const telegram = this.#telegramChannel();
    if (!telegram) throw new Error("TELEGRAM_BOT_TOKEN is not set");
    return telegram;
  }

  #telegramChannel(): ChatChannel | null {
    const { TELEGRAM_BOT_TOKEN, TELEGRAM_API_ROOT } = this.#telegram();
    return TELEGRAM_BOT_TOKEN
      ? telegramChannel({ token: TELEGRAM_BOT_TOKEN, apiRoot: TELEGRAM_API_ROOT })
      : null;
  }

  /** A web chat's page and live tabs (only a web chat's agent has them). */
  #webChat(): WebChat {
    if (!isWebChat(this.#chatId())) throw new Error("not a web chat");
    this.#web ??= new WebChat({
      sql: this.ctx.storage.sql,
      chatId: this.#chatId(),
      state: () => this.state,
      broadcast: (text) => this.broadcast(text),
      elsewhere: () => this.#telegramChannel(),
    });
    return this.#web;
  }

  // A web chat's tabs connect through `/api/v1/chat/live`, which has checked who they are. They
  // get this chat's frames only: no SDK protocol (state, identity) and no writes over the socket.
  override shouldSendProtocolMessages(): boolean {
    return false;
  }

  override shouldConnectionBeReadonly(): boolean {
    return true;
  }

  override onConnect(connection: Connection, _ctx: ConnectionContext): void {
    if (isWebChat(this.#chatId())) connection.send(JSON.stringify(this.#webChat().stateFrame()));
  }

  override onMessage(): void {}

  override onStateChanged(): void {
    if (isWebChat(this.#chatId())) this.#webChat().push(this.#webChat().stateFrame());
  }

  #telegram() {
    return telegramSettings.read(this.env);
  }

  /** Whether this agent can talk to a chat: a web chat's, or a Telegram chat's with a bot configured. */
  #hasChat(): boolean {
    const chatId = this.#chatId();
    if (isWebChat(chatId)) return true;
    return Number.isSafeInteger(chatId) && Boolean(this.#telegram().TELEGRAM_BOT_TOKEN);
  }

  /** The agent's name is the chat id (see the webhook and `/api/v1/chat`). */
  #chatId(): number {
    return Number(this.name);
  }

  #conversation(): History {
    this.#history ??= new History(this.ctx.storage.sql);
    return this.#history;
  }

  #runReports(): RunReports {
    this.#reports ??= new RunReports({
      env: this.env,
      sql: this.ctx.storage.sql,
      hasChat: () => this.#hasChat(),
      chatId: () => this.#chatId(),
      channel: () => this.#channel(),
      schedule: (delayS, method, payload) => this.schedule(delayS, method, payload),
      requests: this.#requests,
    });
    return this.#reports;
  }
}
