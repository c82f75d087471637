/**
 * What each of a project's latest runs cost, over time: an inline SVG bar chart drawn on the
 * server (no script, nothing fetched), oldest run on the left, one bar per run coloured by its
 * kind, the dollar axis on round amounts. Screen readers get one summary (`role="img"`); each bar's
 * `<title>` is its run, date and cost; the runs table below the chart lists every figure.
 */
import type { RunRow } from "../domain/runs.ts";

export interface RunCost {
  run: Pick<RunRow, "id" | "kind" | "status" | "createdAt">;
  costUsd: number;
}

export interface CostScale {
  /** The axis's top amount: a whole number of steps at or above the largest cost. */
  top: number;
  /** The amounts the axis labels, 0 first. */
  ticks: number[];
  /** Decimal places that show every tick exactly. */
  decimals: number;
}

/** Steps of 1, 2, 2.5 and 5 times a power of ten, so the labels read as round amounts. */
const NICE = [1, 2, 2.5, 5, 10];

/** The dollar axis for costs up to `max` with about `intervals` steps (none when nothing was spent). */
export function costScale(max: number, intervals = 4): CostScale {
  if (!(max > 0) || !Number.isFinite(max)) return { top: 0, ticks: [0], decimals: 0 };
  const rough = max / intervals;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = (NICE.find((nice) => nice * magnitude >= rough * (1 - 1e-9)) ?? 10) * magnitude;
  const count = Math.max(1, Math.ceil(max / step - 1e-9));
  const ticks = Array.from({ length: count + 1 }, (_, index) => index * step);
  return { top: count * step, ticks, decimals: decimalsOf(step) };
}

function decimalsOf(step: number): number {
  for (let places = 0; places < 8; places++) {
    const scaled = step * 10 ** places;
    if (Math.abs(Math.round(scaled) - scaled) < 1e-6) return places;
  }
  return 8;
}

// The drawing's own units; the SVG scales to its container's width (width 100%).
const WIDTH = 480;
const HEIGHT = 200;
/** Room for the dollar labels, also in the larger type phones get (layout.tsx). */
const LEFT = 72;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 28;
const PLOT_WIDTH = WIDTH - LEFT - RIGHT;
const PLOT_HEIGHT = HEIGHT - TOP - BOTTOM;
/** At most this wide, so a project with two runs does not get two slabs. */
const MAX_BAR = 40;

const KIND_NAMES: Record<RunRow["kind"], string> = {
  engineering: "Engineering",
  devops: "DevOps",
  upgrade: "Template upgrade",
  undeploy: "Undeploy",
  preview: "Preview",
  preview_teardown: "Preview removal",
};

/** Two decimals are plenty for a drawing 480 units wide. */
const unit = (value: number) => Math.round(value * 100) / 100;
const day = (at: Date) => at.toISOString().slice(0, 10);
const minute = (at: Date) => `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** The chart, or a line saying why there is none yet; `runs` in any order. */
export function CostChart(props: { runs: RunCost[] }) {
  const runs = [...props.runs].sort(
    (a, b) => a.run.createdAt.getTime() - b.run.createdAt.getTime() || a.run.id.localeCompare(b.run.id),
  );
  const total = runs.reduce((sum, entry) => sum + entry.costUsd, 0);
  return (
    <section aria-labelledby="cost-chart">
      <h2 id="cost-chart">Cost per run</h2>
      {runs.length === 0 ? (
        <p class="muted">No runs yet, so nothing spent.</p>
      ) : total <= 0 ? (
        <p class="muted">No cost recorded yet: model and agent costs show here as runs spend them.</p>
      ) : (
        <Bars runs={runs} total={total} />
      )}
    </section>
  );
}

function Bars(props: { runs: RunCost[]; total: number }) {
  const { runs } = props;
  const most = Math.max(...runs.map((entry) => entry.costUsd));
  const scale = costScale(most);
  const usd = (amount: number) => `$${amount.toFixed(scale.decimals)}`;
  const slot = PLOT_WIDTH / runs.length;
  const barWidth = Math.min(MAX_BAR, slot * 0.7);
  const y = (amount: number) => unit(TOP + PLOT_HEIGHT - (amount / scale.top) * PLOT_HEIGHT);
  const first = runs[0] as RunCost;
  const last = runs.at(-1) as RunCost;
  const summary =
    `Cost per run, oldest first: ${runs.length} runs from ${day(first.run.createdAt)} to ` +
    `${day(last.run.createdAt)}, $${props.total.toFixed(4)} in all, the most $${most.toFixed(4)}. ` +
    "The runs table lists each.";
  const kinds = [...new Set(runs.map((entry) => entry.run.kind))];
  return (
    <>
      <svg class="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary}>
        {scale.ticks.map((tick) => (
          <g class="tick">
            <line class="grid" x1={LEFT} x2={WIDTH - RIGHT} y1={y(tick)} y2={y(tick)} />
            <text x={LEFT - 6} y={y(tick)} text-anchor="end" dominant-baseline="middle">
              {usd(tick)}
            </text>
          </g>
        ))}
        {runs.map((entry, index) => {
          const height = unit((entry.costUsd / scale.top) * PLOT_HEIGHT);
          const x = LEFT + index * slot;
          return (
            <g class="run" data-run={entry.run.id}>
              <title>{`${KIND_NAMES[entry.run.kind]} run ${entry.run.id}, ${entry.run.status}, ${minute(entry.run.createdAt)}: $${entry.costUsd.toFixed(4)}`}</title>
              {/* The whole column answers the pointer, so a run that spent little still shows its title. */}
              <rect class="slot" x={unit(x)} y={TOP} width={unit(slot)} height={PLOT_HEIGHT} />
              <rect
                class={`bar kind-${entry.run.kind}`}
                x={unit(x + (slot - barWidth) / 2)}
                y={unit(TOP + PLOT_HEIGHT - height)}
                width={unit(barWidth)}
                height={height}
              />
            </g>
          );
        })}
        <text x={LEFT} y={HEIGHT - 6}>
          {day(first.run.createdAt)}
        </text>
        {runs.length > 1 ? (
          <text x={WIDTH - RIGHT} y={HEIGHT - 6} text-anchor="end">
            {day(last.run.createdAt)}
          </text>
        ) : null}
      </svg>
      <ul class="legend" aria-label="Bar colours">
        {kinds.map((kind) => (
          <li>
            <span class={`swatch kind-${kind}`} aria-hidden="true" />
            {KIND_NAMES[kind]}
          </li>
        ))}
      </ul>
    </>
  );
}
