/** Sending to a chat where a failure must not stop the caller (a notice, a reply): logged, never thrown. */

/** What `send` returned, or null when it failed (logged as `event`, with the chat's id). */
export async function sendQuietly<T>(
  event: string,
  chatId: number,
  send: () => Promise<T>,
): Promise<T | null> {
  try {
    return await send();
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    console.error(JSON.stringify({ event, chatId, error }));
    return null;
  }
}
