/**
 * Masking secret values in text every runner logs or returns: `mask` for whole texts, `maskSecret`
 * for one secret as it may also appear URL-encoded, `SecretMasker` for streamed output, and
 * `maskedJobLog` for a job's whole log (what every runner is given: jobs/runner.ts), with the
 * needles `secretNeedles` makes of the job's secret values.
 *
 * `SecretMasker` masks secret values in streamed output. A value split across chunks is still caught: the end of
 * the text that could be the start of a secret is held back until the next chunk (or `flush`)
 * shows whether it is one, so output without a secret in it is passed on as it comes.
 */
export const MASK = "***";
/**
 * Secret values (and lines of them) shorter than this are not masked: they would hide ordinary
 * words all over the log, and a line of a key such as `-----` is no secret.
 */
export const MIN_MASKED_CHARS = 4;

type Stream = "stdout" | "stderr" | "system";
type Log = (stream: Stream, chunk: string) => void;

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

/**
 * What to look for to hide these secret values: each one whole, URL-encoded (as in credentials in
 * a URL), and each line of a multi-line one (a key is printed line by line); none shorter than
 * `MIN_MASKED_CHARS`. Longest first, so a value containing another is masked whole.
 */
export function secretNeedles(values: Iterable<string>): string[] {
  const needles = [...values].flatMap((value) => [
    value,
    urlEncoded(value),
    ...value.split("\n").map((line) => line.trim()),
  ]);
  return [...new Set(needles.filter((needle) => needle.length >= MIN_MASKED_CHARS))].sort(
    (a, b) => b.length - a.length,
  );
}

export interface MaskedJobLog {
  /** The job's log, masked: a value split between chunks of a stream is masked too. */
  log: Log;
  /** A whole text (an error), masked. */
  hide(text: string): string;
  /** Passes on what each stream held back (a possible start of a secret): at the end of the job. */
  end(): void;
}

/** `log` with the secret `values` masked (see `secretNeedles`), stream by stream. */
export function maskedJobLog(log: Log, values: Iterable<string>): MaskedJobLog {
  const needles = secretNeedles(values);
  const streams = new Map<Stream, SecretMasker>();
  return {
    log(stream, chunk) {
      const masker = streams.get(stream) ?? new SecretMasker(needles);
      streams.set(stream, masker);
      const visible = masker.write(chunk);
      if (visible) log(stream, visible);
    },
    hide: (text) => mask(text, needles),
    end() {
      for (const [stream, masker] of streams) {
        const rest = masker.flush();
        if (rest) log(stream, rest);
      }
    },
  };
}

/** `encodeURIComponent`, or the value itself when it cannot be encoded (a lone surrogate). */
function urlEncoded(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value;
  }
}
