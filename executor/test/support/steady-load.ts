/**
 * A client that sends GETs at a steady rate (one every `everyMs`, each on a fresh connection, not
 * waiting for the one before) until stopped, and keeps every answer: what a zero-downtime release
 * is measured by.
 *
 *   const load = steadyLoad(() => httpsGet(url, ca), 20);
 *   await release();
 *   const answers = await load.stop();   // [{ status, body } | { error }]
 */
export type Answer = { status: number; body: string } | { error: string };

export interface SteadyLoad {
  /** Stops sending and waits for the answers still on their way. */
  stop: () => Promise<Answer[]>;
}

export function steadyLoad(
  get: () => Promise<{ status: number; body: string }>,
  everyMs: number,
): SteadyLoad {
  const answers: Promise<Answer>[] = [];
  const send = () => {
    answers.push(get().catch((error: unknown) => ({ error: String(error) })));
  };
  send();
  const timer = setInterval(send, everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      return Promise.all(answers);
    },
  };
}

/** The answers that were not a 200, and how many came from each body. */
export function tally(answers: Answer[]): { failed: Answer[]; bodies: Record<string, number> } {
  const failed = answers.filter((answer) => "error" in answer || answer.status !== 200);
  const bodies: Record<string, number> = {};
  for (const answer of answers) if ("body" in answer) bodies[answer.body] = (bodies[answer.body] ?? 0) + 1;
  return { failed, bodies };
}

/**
 * Runs `play` while the client GETs `get` every `everyMs`, and for half a second after it (the
 * switched-to release answering alone): the play's result, every answer and their tally.
 */
export async function underSteadyLoad<T>(
  play: () => Promise<T>,
  get: () => Promise<{ status: number; body: string }>,
  everyMs: number,
): Promise<{ play: T; answers: Answer[] } & ReturnType<typeof tally>> {
  const load = steadyLoad(get, everyMs);
  const result = await play();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const answers = await load.stop();
  return { play: result, answers, ...tally(answers) };
}
