// One metric's chart: uPlot in its "faceted" mode (each run has its own x values, so 50 runs of
// different lengths need no joined table), lines of min-max downsampled points, a hover that names the
// nearest run, step and value. The wrapper exposes what was drawn (data-points, data-drawn, data-drawn-at)
// and its x range (data-x-min, data-x-max), so tests and the benchmark can read it.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatTime, formatValue } from "../../format";
import { cssVar } from "../../theme";
import { nearestIndex, type ChartRun, type XAxis } from "./series";

/** One run's line in this chart. `shown` is what is drawn (smoothed, log-filtered), `raw` what was logged. */
export interface Line {
  run: ChartRun;
  color: string;
  xs: number[];
  steps: number[];
  raw: (number | null)[];
  shown: (number | null)[];
  count: number; // points stored (the server may have sent fewer)
}

export interface MetricChartProps {
  title: string;
  lines: Line[];
  xAxis: XAxis;
  logScale: boolean;
  smoothing: number;
  theme: string;
  height?: number;
}

function seconds(value: number): string {
  const abs = Math.abs(value);
  if (abs < 120) return `${+value.toFixed(1)}s`;
  if (abs < 7200) return `${+(value / 60).toFixed(1)}m`;
  return `${+(value / 3600).toFixed(1)}h`;
}

/** Axis ticks: short enough for the axis' 64 pixels (1e-4, 0.25, 1.2e+6). */
function tick(value: number | null): string {
  if (value === null) return ""; // log scales leave some ticks unlabelled
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(0);
  return String(+value.toPrecision(4));
}

function xLabel(axis: XAxis, value: number): string {
  if (axis === "wall") return formatTime(value * 1000);
  if (axis === "relative") return seconds(value);
  return String(Math.round(value));
}

const SHOW_POINTS = 30;
const linear = uPlot.paths.linear!();
const dots = uPlot.paths.points!();

/** The line through the points, plus a ring at each while there are few (a final score logged once would
 * otherwise be an invisible line of one point; uPlot's own markers do not draw in faceted mode). Decided
 * at each draw, so a live run's first points have rings and lose them as the line grows. */
const lineWithDots: uPlot.Series.PathBuilder = (u, seriesIndex, first, last) => {
  const line = linear(u, seriesIndex, first, last);
  if (last - first + 1 > SHOW_POINTS) return line;
  const marks = dots(u, seriesIndex, first, last);
  if (line?.stroke instanceof Path2D && marks?.fill instanceof Path2D) line.stroke.addPath(marks.fill);
  return line;
};

function buildSeries(lines: Line[], smoothing: number): uPlot.Series[] {
  const facets: uPlot.Series.Facet[] = [{ scale: "x", auto: true }, { scale: "y", auto: true }];
  return [{}, ...lines.flatMap((line) => {
    const main = { label: line.run.run_name, stroke: line.color, width: 1.5, paths: lineWithDots, facets,
      points: { show: false, size: 6, width: 1.5 } } as uPlot.Series;
    // With smoothing, the logged values stay visible as a faint line under the smoothed one.
    return smoothing > 0 ? [{ ...main, width: 1, alpha: 0.25 } as uPlot.Series, main] : [main];
  })];
}

function buildData(lines: Line[], smoothing: number): uPlot.AlignedData {
  const faceted = [null, ...lines.flatMap((line) => smoothing > 0
    ? [[line.xs, line.raw], [line.xs, line.shown]] : [[line.xs, line.shown]])];
  return faceted as unknown as uPlot.AlignedData;
}

export function MetricChart({ title, lines, xAxis, logScale, smoothing, theme, height = 240 }: MetricChartProps) {
  const wrapper = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const linesRef = useRef(lines);
  linesRef.current = lines;
  const zoomed = useRef(false); // a user's zoom (drag to select) survives live updates; double-click resets
  const shape = `${xAxis}|${logScale}|${theme}|${smoothing > 0}|${height}|${lines.map((l) => l.run.run_id + l.color).join(",")}`;

  // (Re)create the chart when its shape changes: axis, scale, theme, the set of runs.
  useEffect(() => {
    const element = wrapper.current!;
    const foreground = cssVar("--fg-soft");
    const grid = cssVar("--border");
    const axis = { stroke: foreground, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    let drawn = 0;
    const tooltip = document.createElement("div");
    tooltip.className = "chart-tooltip";
    tooltip.hidden = true;
    const options: uPlot.Options = {
      mode: 2,
      width: Math.max(200, element.clientWidth),
      height,
      legend: { show: false },
      cursor: { points: { show: false }, drag: { x: true, y: false, setScale: true } },
      // one point (or one step) would be a range of zero width: pad it so the point sits in the middle
      scales: { x: { time: xAxis === "wall", range: (_u, min, max) => (min === max ? [min - 1, max + 1] : [min, max]) },
        y: logScale ? { distr: 3, log: 10 } : {} },
      axes: [
        { ...axis, values: xAxis === "step" ? undefined : xAxis === "relative"
          ? (_u, splits) => splits.map(seconds) : undefined },
        { ...axis, size: 64, values: (_u, splits) => splits.map(tick) },
      ],
      series: buildSeries(lines, smoothing),
      hooks: {
        draw: [(u) => {
          drawn += 1;
          element.dataset.xMin = String(u.scales.x.min);
          element.dataset.xMax = String(u.scales.x.max);
          const current = linesRef.current;
          element.dataset.points = String(current.reduce((sum, line) => sum + line.xs.length, 0));
          element.dataset.stored = String(current.reduce((sum, line) => sum + line.count, 0));
          element.dataset.drawn = String(drawn);
          element.dataset.drawnAt = String(performance.now());
        }],
        setCursor: [(u) => showNearest(u, tooltip, linesRef.current, xAxis, smoothing)],
        setSelect: [(u) => { if (u.select.width > 0) zoomed.current = true; }],
      },
    };
    const created = new uPlot(options, buildData(lines, smoothing), element);
    created.over.appendChild(tooltip);
    created.over.addEventListener("dblclick", () => { zoomed.current = false; });
    zoomed.current = false;
    plot.current = created;
    const resize = new ResizeObserver(() => {
      const width = Math.max(200, element.clientWidth);
      if (width !== created.width) created.setSize({ width, height });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      created.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);

  // New points of the same runs (live polling, smoothing changes): only the data is replaced.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) { first.current = false; return; }
    const current = plot.current;
    if (!current) return;
    current.setData(buildData(lines, smoothing), !zoomed.current);
    if (zoomed.current) current.redraw(); // setData without rescaling does not draw
  }, [lines, smoothing]);

  return (
    <div className="metric-chart card">
      <div className="metric-chart-title" title={title}>{title}</div>
      <div ref={wrapper} className="metric-chart-plot" data-metric={title} data-x={xAxis}
        data-log={logScale ? "1" : "0"} data-smoothing={String(smoothing)} />
    </div>
  );
}

/** The tooltip: the point nearest to the cursor over all lines (in pixels), with its run, step and value. */
function showNearest(u: uPlot, tooltip: HTMLDivElement, lines: Line[], xAxis: XAxis, smoothing: number) {
  const { left, top } = u.cursor;
  if (left === undefined || top === undefined || left < 0) {
    tooltip.hidden = true;
    return;
  }
  const x = u.posToVal(left, "x");
  let best: { line: Line; index: number; distance: number } | undefined;
  for (const line of lines) {
    if (line.xs.length === 0) continue;
    const index = nearestIndex(line.xs, x);
    const value = line.shown[index];
    if (value === null) continue;
    const dx = u.valToPos(line.xs[index], "x") - left;
    const dy = u.valToPos(value, "y") - top;
    const distance = dx * dx + dy * dy;
    if (!best || distance < best.distance) best = { line, index, distance };
  }
  if (!best) {
    tooltip.hidden = true;
    return;
  }
  const { line, index } = best;
  const rows = [
    `<span class="chart-swatch" style="background:${line.color}"></span><strong></strong>`,
    `step ${line.steps[index]}${xAxis === "step" ? "" : ` · ${xLabel(xAxis, line.xs[index])}`}`,
    `value ${formatValue(line.raw[index])}${smoothing > 0 ? ` · smoothed ${formatValue(line.shown[index])}` : ""}`,
  ];
  tooltip.innerHTML = rows.map((row) => `<div>${row}</div>`).join("");
  tooltip.querySelector("strong")!.textContent = line.run.run_name || line.run.run_id; // names are user text
  tooltip.hidden = false;
  const flip = left > u.over.clientWidth / 2;
  tooltip.style.left = flip ? "" : `${left + 12}px`;
  tooltip.style.right = flip ? `${u.over.clientWidth - left + 12}px` : "";
  tooltip.style.top = `${Math.max(0, top - 10)}px`;
}
