/** The sign-in page: a one-time link (its token in the fragment), or an API key. */
import { Page, Problem } from "./layout.tsx";

/**
 * Moves the link's token from the fragment (never sent to a server) into the form and posts it;
 * the fragment is cleared first so that it stays in no history entry.
 */
const REDEEM_SCRIPT = `
const token = location.hash.slice(1);
if (/^col_[A-Za-z0-9_-]{20,}$/.test(token)) {
  history.replaceState(null, "", location.pathname);
  const form = document.getElementById("link-form");
  form.elements.token.value = token;
  document.getElementById("link-section").hidden = false;
  form.submit();
}`;

export function SignInPage(props: { minutes: number; error?: string | undefined }) {
  return (
    <Page title="Sign in">
      <h1>Sign in</h1>
      <Problem text={props.error} />
      <section id="link-section" class="panel" hidden aria-live="polite">
        <form id="link-form" method="post" action="/sign-in">
          <input type="hidden" name="token" value="" />
          <p>Signing you in with your one-time link…</p>
          <button type="submit">Continue</button>
        </form>
      </section>
      <p class="muted">
        In Telegram, send <code>/login</code> to the bot: it answers with a link that signs you in here once,
        within {props.minutes} minutes. Or sign in with an API key:
      </p>
      <form method="post" action="/sign-in/key">
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="off" required spellcheck={false} />
        <p>
          <button type="submit">Sign in with the key</button>
        </p>
      </form>
      {/* Our own constant script: nothing from a request is in it. */}
      <script dangerouslySetInnerHTML={{ __html: REDEEM_SCRIPT }} />
    </Page>
  );
}
