/**
 * The end of a process's combined output, kept as it arrives (stdout and stderr interleaved) with
 * the job's secrets masked (also when a value is split between chunks) and bounded: older text is
 * dropped once there is more than the limit.
 */
import { SecretMasker } from "../../process/mask.ts";

export class OutputTail {
  readonly #limit: number;
  readonly #masker: SecretMasker;
  #text = "";
  #dropped = false;

  constructor(limit: number, secrets: Iterable<string>) {
    this.#limit = limit;
    this.#masker = new SecretMasker(secrets);
  }

  write(chunk: string): void {
    this.#append(this.#masker.write(chunk));
  }

  /** Everything kept (at most the limit), and whether older output was dropped. */
  end(): { text: string; truncated: boolean } {
    this.#append(this.#masker.flush());
    const truncated = this.#dropped || this.#text.length > this.#limit;
    return { text: lastChars(this.#text, this.#limit), truncated };
  }

  #append(text: string): void {
    this.#text += text;
    // Trimmed now and then rather than on every chunk: at most twice the limit is held.
    if (this.#text.length > 2 * this.#limit) {
      this.#text = lastChars(this.#text, this.#limit);
      this.#dropped = true;
    }
  }
}

/** The last `limit` characters of `text`, without half a surrogate pair at the start. */
export function lastChars(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const end = text.slice(text.length - limit);
  return /^[\uDC00-\uDFFF]/.test(end) ? end.slice(1) : end;
}
