import { database } from "../db/client.ts";
import type { RunRow } from "../domain/runs.ts";
import { isWebChat } from "../domain/web-chats.ts";
import type { JobEndPayload } from "../executors/job-events.ts";
import { roleModel } from "../models/roles.ts";
import { launchRun, stopRun } from "../pipelines/launch.ts";
import type {
  RunAnswersRequest,
  RunBudgetAsk,
  RunChat,
  RunSecretRequest,
  RunUpgradeOffer,
} from "../pipelines/run-chat.ts";
import { classify, type TelegramUpdate } from "../telegram/update.ts";
import { admit } from "./access.ts";
import { runCallback } from "./callbacks.ts";
import type { ChatChannel, Keyboard } from "./channel.ts";
import { runCommand } from "./commands.ts";
import type { ChatContext, SessionControls } from "./context.ts";
import { failureMessage } from "./failures.ts";
import { type Handled, inboxKeyring, openInbound, type Queued, SeenUpdates, sealInbound } from "./inbox.ts";
import { sendQuietly } from "./outbox.ts";
import type { ChatState } from "./pending.ts";
import { CliTurns } from "./po/cli-turns.ts";
import { type Awaited, transcript } from "./po/conversation.ts";
import { History } from "./po/history.ts";
import { ChatReplies } from "./replies.ts";
import { ChatRequests } from "./requests.ts";
import { RunReports } from "./run-reports.ts";
import { runLine } from "./views.ts";
import { WebChatAgent } from "./web/web-agent.ts";

export type ReceiveOutcome = "queued" | "duplicate" | "ignored";

export class ChatSession extends WebChatAgent implements RunChat {
  override initialState: ChatState = { mode: "IDLE", pending: null, projectId: null, deferred: [] };
  #history: History | undefined;
  #reports: RunReports | undefined;
  #cliTurns: CliTurns | undefined;
  #chatReplies: ChatReplies | undefined;
  /** The open request (what the next message answers) and the runs' requests waiting for it. */
  readonly #requests = new ChatRequests({
    env: this.env,
    state: () => this.state,
    setState: (state) => this.setState(state),
    history: () => this.#conversation(),
    schedule: (delayS, method, payload) => this.schedule(delayS, method, payload),
    chatId: () => this.chatId(),
    channel: () => this.channel(),
    tell: (channel, html) => this.#tell(channel, this.chatId(), html),
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

  /** The queue's worker: one update at a time, in arrival order. */
  async handle(queued: Queued): Promise<void> {
    const channel = this.channel();
    try {
      const db = database(this.env.DB);
      const admins = this.telegram().ADMIN_TELEGRAM_IDS;
      const opened = await openInbound(await inboxKeyring(this.env), queued);
      const access = await admit(db, channel, admins, opened);
      if (!access) return;
      const inbound: Handled = isWebChat(opened.chatId) ? this.webChat().show(opened) : opened;
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
      const replies = this.#replies();
      if (inbound.kind === "text") return await replies.text(ctx, inbound.text, inbound.messageId);
      if (inbound.kind === "secret") return await replies.secret(ctx, inbound.text, inbound.messageId);
      if (/^ans:\d+(:\d+)?$/.test(inbound.data))
        return await replies.option(ctx, inbound.data, inbound.callbackId);
      await runCallback(ctx, { messageId: inbound.messageId, data: inbound.data }, inbound.callbackId);
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

  /** The hub: a `cli` Product-Owner turn's job ended. Queued, so turns and messages never overlap. */
  async agentJobFinished(ended: Pick<JobEndPayload, "jobId">): Promise<void> {
    await this.queue("finishAgentTurn", { jobId: ended.jobId }, { retry: { maxAttempts: 1 } });
  }

  /** The queue's worker for a turn's end (never throws: a failure is told to the user). */
  async finishAgentTurn(payload: { jobId: string }): Promise<void> {
    const channel = this.channel();
    try {
      await this.#agentTurns().finish(payload.jobId);
    } catch (err) {
      await this.#tell(channel, this.chatId(), failureMessage(err, 0));
    } finally {
      await this.#requests.askDeferred(channel);
    }
  }

  /** Scheduled while a turn runs: the chat shows "typing…". */
  async showAgentTyping(payload: { jobId: string }): Promise<void> {
    await this.#agentTurns().showTyping(payload.jobId);
  }

  /** Scheduled past a turn's deadline, in case the hub's event never came. */
  async checkAgentTurn(payload: { jobId: string }): Promise<void> {
    await this.#agentTurns().check(payload.jobId, () => this.agentJobFinished(payload));
  }

  /**
   * The running turn's agent asks its user (`POST /chat/questions`, `/chat/secret-requests`): what
   * to tell the agent, or null when no turn runs (its key outlived it).
   */
  async agentAsks(asked: Awaited): Promise<string | null> {
    if (!this.#agentTurns().ask(asked)) return null;
    return "Asked: the user sees it after your answer, and their reply is your next message. End your turn now with a short answer.";
  }

  /** Scheduled when a question or secret request opens: reminds once, if it is still open. */
  async remindPending(payload: { askedAt: number }): Promise<void> {
    await this.#requests.remind(payload);
  }

  /** Scheduled with the reminder: closes the request if nobody answered. */
  async expirePending(payload: { askedAt: number }): Promise<void> {
    await this.#requests.expire(payload);
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

  /** An upgrade run offers its tested branch: merge and deploy, look first, or skip. Never throws. */
  async askRunUpgrade(runId: string, offer: RunUpgradeOffer): Promise<void> {
    await this.#runReports().askUpgrade(runId, offer);
  }

  /** A run's next paid step would pass a budget: raise its cap, or stop it. Never throws. */
  async askRunBudget(runId: string, ask: RunBudgetAsk): Promise<void> {
    await this.#runReports().askBudget(runId, ask);
  }

  /** An engineering run needs answers its template's validators take, asked one at a time. Never throws. */
  async askRunAnswers(runId: string, request: RunAnswersRequest): Promise<void> {
    await this.#runReports().request(runId, { kind: "answers", runId, ...request, index: 0, answers: {} });
  }

  /** A DevOps run needs a value only the user has (the chat's secret flow). Never throws. */
  async requestRunSecret(runId: string, secret: RunSecretRequest): Promise<void> {
    await this.#runReports().request(runId, { kind: "secret", ...secret });
  }

  /**
   * Something the system tells this chat on its own (a service down or back, a server unreachable):
   * one message, with buttons; its id, or null when there is no chat to tell or sending failed.
   * Never throws.
   */
  async notice(html: string, keyboard?: Keyboard): Promise<number | null> {
    if (!this.#hasChat()) return null;
    const chatId = this.chatId();
    return sendQuietly("chat.notice_failed", chatId, () => this.channel().send(chatId, html, keyboard));
  }

  /** Edits a message `notice` sent. Never throws. */
  async editNotice(messageId: number, html: string, keyboard: Keyboard): Promise<void> {
    if (!this.#hasChat()) return;
    const chatId = this.chatId();
    await sendQuietly("chat.notice_edit_failed", chatId, () =>
      this.channel().edit(chatId, messageId, html, keyboard),
    );
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
        this.#agentTurns().forgetSession();
        this.setState({ ...this.state, pending: null, projectId: null });
      },
      runChanged: (run) => this.#runChanged(run),
    };
  }

  async #tell(channel: ChatChannel, chatId: number, html: string): Promise<void> {
    await sendQuietly("chat.reply_failed", chatId, () => channel.send(chatId, html));
  }

  /** Whether this agent can talk to a chat: a web chat's, or a Telegram chat's with a bot configured. */
  #hasChat(): boolean {
    const chatId = this.chatId();
    if (isWebChat(chatId)) return true;
    return Number.isSafeInteger(chatId) && Boolean(this.telegram().TELEGRAM_BOT_TOKEN);
  }

  #replies(): ChatReplies {
    this.#chatReplies ??= new ChatReplies({
      env: this.env,
      state: () => this.state,
      setState: (state) => this.setState(state),
      requests: this.#requests,
      agentTurns: () => this.#agentTurns(),
      history: () => this.#conversation(),
      runChanged: (run) => this.#runChanged(run),
      showAnswer: (answer) => this.webChat().showAnswer(answer),
    });
    return this.#chatReplies;
  }

  #agentTurns(): CliTurns {
    this.#cliTurns ??= new CliTurns({
      env: this.env,
      turns: () => this.state.agentTurns,
      setTurns: (agentTurns) => this.setState({ ...this.state, agentTurns }),
      projectId: () => this.state.projectId,
      chatId: () => this.chatId(),
      channel: () => this.channel(),
      schedule: (delayS, method, payload) => this.schedule(delayS, method, payload),
      openAsked: (channel, asked, jobId) => this.#requests.openRequest(channel, asked, jobId),
    });
    return this.#cliTurns;
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
      chatId: () => this.chatId(),
      channel: () => this.channel(),
      schedule: (delayS, method, payload) => this.schedule(delayS, method, payload),
      requests: this.#requests,
    });
    return this.#reports;
  }
}
