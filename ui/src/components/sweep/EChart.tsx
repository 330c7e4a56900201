// One ECharts chart in a resizable box: ECharts is loaded on first use, the instance follows the box's size,
// and `option` is applied whenever it changes (memoize it: a new object per render redraws the chart).
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import type { EChartsCoreOption, EChartsType } from "echarts/core";
import { ErrorBox } from "../common";
import { cssVar } from "../../theme";

let loading: Promise<typeof import("./echartsParts")> | undefined;

/** ECharts with the parts the UI uses, loaded once (its own chunk). */
export function loadECharts() {
  return (loading ??= import("./echartsParts"));
}

export type ChartHandlers = Record<string, (params: any) => void>;

export interface EChartProps {
  option: EChartsCoreOption;
  height?: number;
  /** Names the chart for screen readers and tests (`data-chart`). */
  label: string;
  on?: ChartHandlers;
  onChart?: (chart: EChartsType) => void;
}

export function EChart({ option, height = 300, label, on, onChart }: EChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const [chart, setChart] = useState<EChartsType>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let instance: EChartsType | undefined;
    let observer: ResizeObserver | undefined;
    let disposed = false;
    loadECharts().then(({ echarts }) => {
      if (disposed || !box.current) return;
      instance = echarts.init(box.current);
      // The instance on its element: how tests (and a curious user's console) reach a chart on the page.
      (box.current as any).__chart = instance;
      observer = new ResizeObserver(() => instance?.resize());
      observer.observe(box.current);
      setChart(instance);
    }, setError);
    return () => {
      disposed = true;
      observer?.disconnect();
      instance?.dispose();
    };
  }, []);
  useEffect(() => {
    if (!chart) return;
    chart.setOption(option);
    box.current?.setAttribute("data-drawn", "true");
  }, [chart, option]);
  useEffect(() => {
    if (!chart || !on) return;
    for (const [name, handler] of Object.entries(on)) chart.on(name, handler);
    return () => { for (const [name, handler] of Object.entries(on)) chart.off(name, handler); };
  }, [chart, on]);
  useEffect(() => { if (chart) onChart?.(chart); }, [chart, onChart]);
  if (error) return <ErrorBox error={error} title="The charts could not be loaded" />;
  return <div ref={box} className="echart" style={{ height }} role="img" aria-label={label} data-chart={label} />;
}

function subscribeTheme(callback: () => void) {
  const observer = new MutationObserver(callback);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  return () => observer.disconnect();
}

export interface ChartColors { theme: string; bg: string; fg: string; soft: string; border: string; accent: string; ok: string; bad: string; muted: string }

/** The theme's colours for canvas charts; changes (and so redraws the charts) when the theme switches. */
export function useChartColors(): ChartColors {
  const theme = useSyncExternalStore(subscribeTheme, () => document.documentElement.dataset.theme ?? "light");
  return useMemo(() => readColors(theme), [theme]);
}

function readColors(theme: string): ChartColors {
  return {
    theme, bg: cssVar("--bg"), fg: cssVar("--fg"), soft: cssVar("--fg-soft"), border: cssVar("--border"), accent: cssVar("--accent"),
    ok: cssVar("--ok"), bad: cssVar("--bad"), muted: cssVar("--muted"),
  };
}

/** Axis styles in the theme's colours. */
export function axisStyle(colors: ChartColors) {
  return {
    axisLine: { lineStyle: { color: colors.border } },
    axisLabel: { color: colors.soft },
    nameTextStyle: { color: colors.soft },
    splitLine: { lineStyle: { color: colors.border, opacity: 0.5 } },
  };
}
