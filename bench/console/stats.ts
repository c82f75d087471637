/** Figures of the console benchmark: percentiles, milliseconds and sizes shown, a ratio's verdict. */

/** Nearest rank: of 20 values, p95 is the second slowest (not the slowest, as of 10). */
export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
export const ms = (n: number) => `${n.toFixed(1)} ms`;
export const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`;

/** `p50 … p95 … (n)` of one series. */
export const spread = (values: number[]) =>
  `p50 ${ms(percentile(values, 50)).padEnd(10)} p95 ${ms(percentile(values, 95)).padEnd(10)} (n=${values.length})`;

export const verdict = (value: number, target: number) => (value <= target ? "met" : "NOT met");
