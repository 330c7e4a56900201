// A metric's history as a small inline SVG line: the trend at a glance, beside the latest value.
import type { Metric } from "../../api";

/** At most ~2 points per pixel column, keeping each column's lowest and highest value (spikes stay visible). */
function thin(points: Metric[], columns: number): Metric[] {
  if (points.length <= columns * 2) return points;
  const kept: Metric[] = [];
  const size = points.length / columns;
  for (let c = 0; c < columns; c++) {
    const start = Math.floor(c * size), end = Math.min(points.length, Math.floor((c + 1) * size));
    let low = points[start], high = points[start];
    for (let i = start; i < end; i++) {
      if (points[i].value < low.value) low = points[i];
      if (points[i].value > high.value) high = points[i];
    }
    kept.push(...(low.step <= high.step ? [low, high] : [high, low]));
  }
  return kept;
}

/** `count`: how many points the history holds, when `points` were already thinned by the server. */
export function Sparkline({ points, count, width = 120, height = 26 }: {
  points: Metric[]; count?: number; width?: number; height?: number;
}) {
  const finite = points.filter((p) => Number.isFinite(p.value)).sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  if (finite.length < 2) return <span className="muted sparkline-none">{finite.length === 1 ? "one value" : ""}</span>;
  const values = thin(finite, width);
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const p of values) {
    minX = Math.min(minX, p.step); maxX = Math.max(maxX, p.step);
    minY = Math.min(minY, p.value); maxY = Math.max(maxY, p.value);
  }
  // Several values at one step (no step given): spread them by their order instead.
  const byOrder = maxX === minX;
  const x = (p: Metric, i: number) => 1 + (byOrder ? i / (values.length - 1) : (p.step - minX) / (maxX - minX)) * (width - 2);
  const y = (value: number) => (maxY === minY ? height / 2 : height - 1 - ((value - minY) / (maxY - minY)) * (height - 2));
  const line = values.map((p, i) => `${x(p, i).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
  const lastIndex = values.length - 1;
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img"
      aria-label={`${count ?? finite.length} points from ${minY} to ${maxY}`} data-points={count ?? finite.length}>
      <polyline points={line} fill="none" stroke="currentColor" strokeWidth="1.3" />
      <circle cx={x(values[lastIndex], lastIndex)} cy={y(values[lastIndex].value)} r="2" fill="currentColor" />
    </svg>
  );
}
