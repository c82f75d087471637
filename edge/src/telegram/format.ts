/**
 * Telegram HTML: escaping, and splitting long texts into messages under the 4,096-character limit
 * (counted after escaping, cut at paragraph, line or word boundaries where there is one).
 *
 *   for (const part of splitText(answer)) await api.sendMessage(chat, escapeHtml(part), { parse_mode: "HTML" });
 */

/** Telegram's limit on one message's text. */
export const MESSAGE_LIMIT = 4096;

/** The three characters Telegram's HTML mode needs escaped in text. */
export const escapeHtml = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** Tags dropped and entities decoded: the text a reader sees. */
export const htmlToText = (html: string) =>
  html
    .replace(/<[^>]*>/g, "")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&amp;", "&");

const escapedLength = (text: string) => escapeHtml(text).length;

/** Plain text into parts whose escaped length is at most `limit`; concatenated they give the text back, trimmed at the cuts. */
export function splitText(text: string, limit = MESSAGE_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (escapedLength(rest) > limit) {
    // The longest prefix that fits once escaped (escaping at most quintuples a character: `&amp;`).
    let fit = Math.min(rest.length, limit);
    while (escapedLength(rest.slice(0, fit)) > limit)
      fit -= Math.max(1, Math.ceil((escapedLength(rest.slice(0, fit)) - limit) / 5));
    const window = rest.slice(0, fit);
    const cut = bestCut(window);
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

/** Where to cut a window: the last paragraph break, else line break, else space in its second half; else its end. */
function bestCut(window: string): number {
  const half = window.length / 2;
  for (const separator of ["\n\n", "\n", " "]) {
    const at = window.lastIndexOf(separator);
    if (at > half) return at + separator.length;
  }
  // Never between the two halves of a surrogate pair (an emoji).
  const last = window.charCodeAt(window.length - 1);
  return last >= 0xd800 && last <= 0xdbff && window.length > 1 ? window.length - 1 : window.length;
}

/** `<b>…</b>` around escaped text: for building messages from parts. */
export const bold = (text: string) => `<b>${escapeHtml(text)}</b>`;
export const code = (text: string) => `<code>${escapeHtml(text)}</code>`;
