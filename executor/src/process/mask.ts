/**
 * Masking secret values in text every runner logs or returns: `mask` for whole texts, `maskSecret`
 * for one secret as it may also appear URL-encoded, `SecretMasker` for streamed output.
 *
 * `SecretMasker` masks secret values in streamed output. A value split across chunks is still caught: the end of
 * the text that could be the start of a secret is held back until the next chunk (or `flush`)
 * shows whether it is one, so output without a secret in it is passed on as it comes.
 */
export const MASK = "***";

export class SecretMasker {
  readonly #secrets: string[];
  #held = "";

  constructor(secrets: Iterable<string>) {
    // Longest first, so a secret containing another is masked whole.
    this.#secrets = [...new Set([...secrets].filter((s) => s.length > 0))].sort(
      (a, b) => b.length - a.length,
    );
  }

  /** The text that can be passed on now (possibly empty). */
  write(chunk: string): string {
    if (this.#secrets.length === 0) return chunk;
    const text = mask(this.#held + chunk, this.#secrets);
    const keep = this.#partialSuffix(text);
    this.#held = text.slice(text.length - keep);
    return text.slice(0, text.length - keep);
  }

  /** What was held back, at the end of the stream. */
  flush(): string {
    const rest = this.#held;
    this.#held = "";
    return rest;
  }

  /** The length of the longest end of `text` that a secret starts with (shorter than that secret). */
  #partialSuffix(text: string): number {
    let longest = 0;
    for (const secret of this.#secrets) {
      const from = Math.max(0, text.length - secret.length + 1, 0);
      for (
        let at = text.indexOf(secret[0] as string, from);
        at !== -1;
        at = text.indexOf(secret[0] as string, at + 1)
      ) {
        if (text.length - at <= longest) break;
        if (secret.startsWith(text.slice(at))) {
          longest = text.length - at;
          break;
        }
      }
    }
    return longest;
  }
}

/** Every occurrence of each secret replaced by `***`. */
export function mask(text: string, secrets: readonly string[]): string {
  let masked = text;
  for (const secret of secrets) if (secret) masked = masked.replaceAll(secret, MASK);
  return masked;
}

/** One secret (raw or URL-encoded) replaced by `***`; no secret, no change. */
export function maskSecret(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return mask(text, [secret, encodeURIComponent(secret)]);
}
