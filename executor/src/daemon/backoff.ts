/** Reconnect delays: exponential from `baseMs`, capped, each drawn from its upper half ("equal jitter") so a fleet does not stampede. */
export function backoffDelay(attempt: number, baseMs = 500, capMs = 30_000, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
