/**
 * A job's progress frames, throttled: progress is advisory (the hub keeps only the latest text),
 * and a runner may report it far more often than anyone reads it. At most one frame per interval
 * goes out; a report within the interval replaces what waits, and goes out when the interval
 * ends, so the latest word always arrives. Nothing blocks and nothing is kept for later: a frame
 * the hub cannot take (disconnected) is dropped.
 */

/** At most one progress frame a second per job. */
export const PROGRESS_INTERVAL_MS = 1_000;

export class ProgressThrottle {
  /** Sends a frame if the hub can take it now; drops it otherwise. */
  readonly #send: (frame: string) => void;
  readonly #intervalMs: number;
  /** The latest frame, waiting for the interval to end. */
  #waiting: string | null = null;
  #sentAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(send: (frame: string) => void, intervalMs = PROGRESS_INTERVAL_MS) {
    this.#send = send;
    this.#intervalMs = intervalMs;
  }

  report(frame: string): void {
    if (this.#ended) return;
    this.#waiting = frame;
    if (this.#timer) return; // Goes out when the interval ends.
    const wait = this.#sentAt + this.#intervalMs - performance.now();
    if (wait <= 0) {
      this.#sendWaiting();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#sendWaiting();
    }, wait);
    this.#timer.unref();
  }

  /** The job ended: what waits goes out now (before the result), and later reports are ignored. */
  end(): void {
    this.#stop();
    this.#sendWaiting();
  }

  /** The job was handed back: what waits is dropped, and later reports are ignored. */
  drop(): void {
    this.#stop();
    this.#waiting = null;
  }

  #stop(): void {
    this.#ended = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #sendWaiting(): void {
    const frame = this.#waiting;
    if (frame === null) return;
    this.#waiting = null;
    this.#sentAt = performance.now();
    this.#send(frame);
  }
}
