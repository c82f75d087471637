/**
 * The chat page's island. It reads the chat (`GET /api/v1/chat/messages?after=`), follows it over
 * the live WebSocket (reconnecting with a growing pause, and reading what it missed), and sends
 * messages, button presses and secrets through the same API. A message's HTML is the server's
 * Telegram-style markup; it is rebuilt through an allow-list (b, i, u, s, code, pre, links to http(s) or
 * the console's own pages)
 * and everything else becomes text, so nothing in a message can run or restyle the page.
 */
export const CHAT_LIVE_SCRIPT = `
const list = document.getElementById("messages");
const empty = document.getElementById("chat-empty");
const statusLine = document.getElementById("chat-status");
const problem = document.getElementById("chat-problem");
const sayForm = document.getElementById("say");
const sayText = document.getElementById("say-text");
const secretForm = document.getElementById("secret");
const secretValue = document.getElementById("secret-value");
const shown = new Map();
let cursor = 0;
let sending = 0;
const TAGS = { B: "b", STRONG: "b", I: "i", EM: "i", U: "u", S: "s", CODE: "code", PRE: "pre", A: "a" };
// An address in plain text (a deployed service's URL) becomes a link, as Telegram shows it.
function appendText(text, to) {
  if (to.closest && to.closest("a")) { to.append(text); return; }
  text.split(/(https?:\\/\\/[^\\s<>"]+)/).forEach((part, index) => {
    if (index % 2 === 0) { if (part) to.append(part); return; }
    const link = document.createElement("a");
    link.href = part;
    link.rel = "noopener noreferrer";
    link.textContent = part;
    to.append(link);
  });
}
function copyAllowed(from, to) {
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) { appendText(node.textContent, to); continue; }
    if (node.nodeType !== Node.ELEMENT_NODE) continue;
    const tag = TAGS[node.tagName];
    if (!tag) { copyAllowed(node, to); continue; }
    const element = document.createElement(tag);
    if (tag === "a") {
      const href = node.getAttribute("href") || "";
      // Another site's address, or one of the console's own pages ("/runs/…"), never a script.
      if (/^(https?:\\/\\/|\\/[a-z])/i.test(href)) { element.href = href; element.rel = "noopener noreferrer"; }
    }
    copyAllowed(node, element);
    to.append(element);
  }
}
function body(html) {
  const parsed = new DOMParser().parseFromString("<body>" + html, "text/html");
  const div = document.createElement("div");
  div.className = "text";
  copyAllowed(parsed.body, div);
  return div;
}
async function api(path, body) {
  const init = body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch("/api/v1" + path, init);
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((answer.error && answer.error.message) || response.statusText);
  return answer;
}
// A retry of the same submission is then taken once (randomUUID needs a secure context: else none).
const clientId = () => (crypto.randomUUID ? crypto.randomUUID() : undefined);
function fail(error) {
  problem.textContent = error.message;
  problem.hidden = false;
}
function press(message, button, element) {
  for (const other of element.parentElement.querySelectorAll("button")) other.disabled = true;
  api("/chat/buttons", { messageId: message.id, data: button.data, clientId: clientId() }).catch((error) => {
    for (const other of element.parentElement.querySelectorAll("button")) other.disabled = false;
    fail(error);
  });
}
function item(message) {
  const li = document.createElement("div");
  li.className = "message from-" + message.from;
  li.dataset.id = message.id;
  const who = document.createElement("p");
  who.className = "who";
  const time = new Date(message.sentAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  who.textContent = (message.from === "you" ? "You" : "Agent") + " · " + time + (message.editedAt ? " · updated" : "");
  li.append(who, body(message.html));
  for (const row of message.buttons) {
    const line = document.createElement("div");
    line.className = "options";
    for (const button of row) {
      const element = document.createElement("button");
      element.type = "button";
      element.className = "secondary";
      element.textContent = button.text;
      element.addEventListener("click", () => press(message, button, element));
      line.append(element);
    }
    li.append(line);
  }
  return li;
}
function apply(message) {
  const old = shown.get(message.id);
  if (message.deleted) { if (old) old.remove(); shown.delete(message.id); return; }
  if (message.from === "you" && sending > 0 && !old) {
    const pending = list.querySelector("div.pending");
    if (pending) pending.remove();
    sending--;
  }
  const li = item(message);
  shown.set(message.id, li);
  if (old) { old.replaceWith(li); return; }
  const later = [...list.children].find((child) => Number(child.dataset.id) > message.id);
  list.insertBefore(li, later || list.querySelector("div.pending"));
}
function follow(change) {
  const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  change();
  empty.hidden = shown.size > 0 || sending > 0;
  if (atEnd) list.scrollTop = list.scrollHeight;
}
function showState(frame) {
  const request = frame.request;
  secretForm.hidden = !(request && request.kind === "secret");
  if (request && request.kind === "secret")
    document.getElementById("secret-label").textContent = "Value of " + request.name + " for " + request.project;
  statusLine.textContent = frame.busy ? "The agent is working…"
    : request && request.kind === "question" ? "The agent waits for your answer: a button, or your own words."
    : request && request.kind === "secret" ? "The agent waits for the secret below (or write /cancel)."
    : request && request.kind === "guidance" ? "A run waits for your guidance: write it below."
    : request && request.kind === "answer" ? "A run waits for your answer to its template's question: a button, or write it below."
    : "";
}
// Live state frames seen: a catch-up's answer asked before the last one carries an older state
// (a secret request it would hide again, say), so it is not shown.
let liveStates = 0;
async function catchUp() {
  for (let page = 0; page < 50; page++) {
    const before = liveStates;
    const feed = await api("/chat/messages?after=" + cursor);
    follow(() => feed.items.forEach(apply));
    if (before === liveStates) showState(feed);
    if (feed.cursor === cursor || feed.items.length === 0) { cursor = feed.cursor; return; }
    cursor = feed.cursor;
  }
}
let pause = 500;
function connect() {
  const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/chat/live");
  socket.addEventListener("open", () => {
    pause = 500;
    problem.hidden = true;
    catchUp().catch(fail);
  });
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "message") {
      follow(() => apply(frame.message));
      cursor = Math.max(cursor, frame.cursor);
    } else if (frame.type === "state") {
      liveStates++;
      showState(frame);
    }
    else if (frame.type === "toast") statusLine.textContent = frame.text;
  });
  socket.addEventListener("close", () => {
    statusLine.textContent = "Reconnecting…";
    setTimeout(connect, pause);
    pause = Math.min(pause * 2, 10000);
  });
}
function outgoing(text) {
  const li = document.createElement("div");
  li.className = "message from-you pending";
  const who = document.createElement("p");
  who.className = "who";
  who.textContent = "You · sending…";
  const div = document.createElement("div");
  div.className = "text";
  div.textContent = text;
  li.append(who, div);
  sending++;
  follow(() => list.append(li));
}
function send() {
  const text = sayText.value.trim();
  if (!text) return;
  outgoing(text);
  sayText.value = "";
  api("/chat/messages", { text, clientId: clientId() }).catch(fail);
}
sayForm.addEventListener("submit", (event) => { event.preventDefault(); send(); });
sayText.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); send(); }
});
secretForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const value = secretValue.value;
  // The value leaves the page at once: the field is cleared before the request is even sent.
  secretValue.value = "";
  if (!value) return;
  outgoing("🔒 a secret value (not shown)");
  api("/chat/secret", { value, clientId: clientId() }).catch(fail);
});
connect();
`;
