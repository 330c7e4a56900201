// The parts of ECharts the UI draws with, registered once. Imported only through `loadECharts()` (a dynamic
// import), so ECharts lands in its own chunk and pages without these charts (the runs table) never load it.
import * as echarts from "echarts/core";
import { BarChart, LineChart, ParallelChart, ScatterChart } from "echarts/charts";
import { GridComponent, ParallelComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, ParallelChart, ScatterChart, GridComponent, ParallelComponent, TooltipComponent,
  CanvasRenderer]);

export { echarts };
