/**
 * What a chat session needs from the medium it talks through: Telegram (`telegram/channel.ts`) and
 * the web console's chat (`web/channel.ts`) implement it.
 * Texts are Telegram-style HTML (`<b>`, `<i>`, `<code>`, `<pre>`, `<a href>`), already escaped.
 */

/** An inline button: it sends `data` (at most 64 bytes) back as a callback. */
export interface Button {
  text: string;
  data: string;
}

/** Rows of buttons under a message. */
export type Keyboard = Button[][];

export interface ChatChannel {
  /** Sends one message (split if too long: the id is the last part's). */
  send(chatId: number, html: string, keyboard?: Keyboard): Promise<number>;
  /** Long plain text (e.g. the model's answer), escaped and split into as many messages as needed. */
  sendText(chatId: number, text: string, keyboard?: Keyboard): Promise<number>;
  edit(chatId: number, messageId: number, html: string, keyboard?: Keyboard): Promise<void>;
  /** Deletes a message; false when it cannot (too old, already gone). */
  delete(chatId: number, messageId: number): Promise<boolean>;
  /** Acknowledges a button press, optionally with a short toast. */
  answerCallback(callbackId: string, toast?: string): Promise<void>;
  /** Shows "typing…" while work goes on. */
  typing(chatId: number): Promise<void>;
}
