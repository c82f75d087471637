/**
 * The web chat's page: the signed-in person's conversation with the Product-Owner agent, the same
 * session a Telegram chat has. The island (chat-live.ts) draws the messages, follows them live
 * over `/api/v1/chat/live`, and sends through `/api/v1/chat`. A secret request shows a separate
 * write-only field: its value is posted, cleared from the page and never shown again.
 */

import { CHAT_LIVE_SCRIPT } from "./chat-live.ts";
import { Page, type SignedIn } from "./layout.tsx";

export function ChatPage(props: { user: SignedIn }) {
  return (
    <Page title="Chat" user={props.user}>
      <h1>Chat with the Product-Owner agent</h1>
      <section id="chat" class="chat" aria-label="Conversation">
        <p id="chat-empty" class="muted">
          Describe the service you want, in your own words: what it does, who uses it, what it must never do.
          The agent asks what it needs, then builds, tests and deploys it, and tells you here how it goes.{" "}
          <code>/help</code> lists the commands.
        </p>
        {/* Focusable: it scrolls, and a keyboard must reach what is further up. */}
        <div
          id="messages"
          class="messages"
          role="log"
          aria-live="polite"
          aria-label="Messages"
          tabindex={0}
        />
        <p id="chat-status" class="muted" role="status" />
        <p id="chat-problem" class="error" role="alert" hidden />
        <form id="secret" class="panel" hidden>
          <label for="secret-value" id="secret-label">
            Secret value
          </label>
          <p class="muted" id="secret-help">
            Stored encrypted for the project; nobody sees it again, you included. It never enters the
            conversation.
          </p>
          <input
            id="secret-value"
            name="value"
            type="password"
            autocomplete="off"
            spellcheck={false}
            aria-describedby="secret-help"
            required
          />
          <p>
            <button type="submit">Store the secret</button>
          </p>
        </form>
        <form id="say" class="say">
          <label for="say-text">Your message</label>
          <textarea id="say-text" name="text" rows={3} maxlength={16384} required />
          <p>
            <button type="submit">Send</button> <span class="muted">Ctrl+Enter sends</span>
          </p>
        </form>
      </section>
      {/* Our own constant script: nothing from a request is in it. */}
      <script dangerouslySetInnerHTML={{ __html: CHAT_LIVE_SCRIPT }} />
    </Page>
  );
}
