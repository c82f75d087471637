/** Figures of the benchmark: percentiles, milliseconds shown, a median of timed runs. */

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
export const ms = (n: number) => `${n.toFixed(1)} ms`;

/** The median of 7 timed calls of `fn`. */
export const timeMedian = (fn: () => void) => {
  const runs: number[] = [];
  for (let i = 0; i < 7; i++) {
    const started = performance.now();
    fn();
    runs.push(performance.now() - started);
  }
  return percentile(runs, 50);
};
