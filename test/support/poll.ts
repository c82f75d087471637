/** Bounded polling for end-to-end tests, and the run timeline's shape as the API answers it. */

/** Polls until `probe` gives a value (not undefined), at most `timeoutMs`, every `everyMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 240_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The statuses a run ends in. */
export const RUN_ENDED = ["succeeded", "failed", "cancelled"];

/** A run once it ended, read through `call` (the API as an admin); at most four minutes. */
export function runEnded<T extends { status: string }>(
  call: (route: string) => Promise<T>,
  id: string,
  what: string,
  timeoutMs = 240_000,
): Promise<T> {
  return until(
    what,
    async () => {
      const run = await call(`/runs/${id}`);
      return RUN_ENDED.includes(run.status) ? run : undefined;
    },
    timeoutMs,
  );
}

/** One step of `GET /runs/{id}/steps`. */
export type TimelineStep = {
  name: string;
  status: string;
  jobId: string | null;
  detail: Record<string, any> | null;
};
