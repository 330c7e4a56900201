// What a chart draws, computed from the server's downsampled histories: x values for the chosen axis,
// EMA smoothing, log-scale filtering, one colour per run. Pure functions, no React, no uPlot.

/** The answer of `POST api/autotrack/ui/metric-histories` (autotrack/server/ui_charts.py). */
export interface ChartRun {
  run_id: string; run_name: string; status: string; start_time: number; end_time?: number | null;
  lifecycle_stage: string;
}
export interface History {
  run_id: string; key: string; count: number; steps: number[]; timestamps: number[]; values: (number | null)[];
}
export interface Histories { runs: ChartRun[]; metric_keys: string[]; max_points: number; histories: History[] }

export type XAxis = "step" | "wall" | "relative";
export const X_AXES: { value: XAxis; label: string }[] = [
  { value: "step", label: "Step" },
  { value: "wall", label: "Wall time" },
  { value: "relative", label: "Relative time" },
];

/** X values in the axis' unit: steps, seconds since the epoch, or seconds since the run started. */
export function xValues(history: History, axis: XAxis, run: ChartRun | undefined): number[] {
  if (axis === "step") return history.steps;
  const origin = axis === "wall" ? 0 : (run?.start_time || history.timestamps[0] || 0);
  return history.timestamps.map((t) => (t - origin) / 1000);
}

/** TensorBoard's smoothing: an exponential moving average, debiased so the first points are not pulled
 * towards zero. Gaps (null) stay gaps and do not reset the average. `weight` in [0, 1). */
export function ema(values: (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values;
  let last = 0;
  let seen = 0;
  return values.map((value) => {
    if (value === null || !Number.isFinite(value)) return null;
    last = last * weight + (1 - weight) * value;
    seen += 1;
    return last / (1 - Math.pow(weight, seen));
  });
}

/** A log axis cannot place zero or negative values: they become gaps. */
export function positiveOnly(values: (number | null)[]): (number | null)[] {
  return values.map((value) => (value !== null && value > 0 ? value : null));
}

// Tableau's 10 colours read on white and on the dark theme's background alike; past ten runs, hues
// walk the colour wheel by the golden angle so neighbours stay apart.
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
  "#9c755f", "#bab0ac"];

export function runColor(index: number): string {
  if (index < PALETTE.length) return PALETTE[index];
  return `hsl(${Math.round((index * 137.508) % 360)}, 62%, 55%)`;
}

/** Points per series to ask the server for: a min and a max per pixel column of a wide chart for one
 * run; fewer per run when many are overlaid (50 runs x 600 points: ~1.1 MB of JSON instead of 2.3 MB,
 * and a line can show no more than its chart's ~400 pixel columns anyway). */
export function pointsPerSeries(runs: number): number {
  if (runs <= 1) return 4000;
  return Math.max(400, Math.min(2000, Math.round(30000 / runs)));
}

/** Index of the x value nearest to `x` in ascending `xs` (binary search). */
export function nearestIndex(xs: number[], x: number): number {
  let low = 0;
  let high = xs.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (xs[middle] < x) low = middle;
    else high = middle;
  }
  return Math.abs(xs[low] - x) <= Math.abs(xs[high] - x) ? low : high;
}
