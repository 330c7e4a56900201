// The runs table's data: `api/autotrack/ui/runs/table` answers columns; the table works on rows.

export type Cell = number | string | null;

/** One page of `runs/table`, as the server sends it (columnar). */
export interface TablePage {
  runs: {
    run_id: string[]; run_name: string[]; experiment_id: string[]; status: string[];
    start_time: number[]; end_time: (number | null)[]; parent_run_id: (string | null)[];
    sweep: boolean[]; best_run_id: (string | null)[];
  };
  columns: Record<string, Cell[]>;
  children: Record<string, Record<string, number>>;
  next_offset: number | null;
}

export interface RunRow {
  runId: string;
  name: string;
  experimentId: string;
  status: string;
  start: number;
  end: number | null;
  parentId: string | null;
  sweep: boolean;
  bestRunId: string | null;
  /** Children by state (FINISHED, FAILED, PRUNED, ...), for a parent. */
  children: Record<string, number> | undefined;
  cells: Record<string, Cell>;
  /** 0 for a top-level run, 1 for a child shown under its parent. */
  depth: number;
  /** A child that is its sweep's best trial. */
  best: boolean;
}

export function rowsOf(page: TablePage, depth = 0, bestRunId: string | null = null): RunRow[] {
  const r = page.runs;
  const keys = Object.keys(page.columns);
  return r.run_id.map((runId, i) => {
    const cells: Record<string, Cell> = {};
    for (const key of keys) cells[key] = page.columns[key][i];
    return {
      runId, name: r.run_name[i], experimentId: r.experiment_id[i], status: r.status[i], start: r.start_time[i],
      end: r.end_time[i], parentId: r.parent_run_id[i], sweep: r.sweep[i], bestRunId: r.best_run_id[i],
      children: page.children[runId], cells, depth, best: bestRunId !== null && runId === bestRunId,
    };
  });
}

/** Keys the user can show as columns: `metrics.x`, `params.y`, `tags.z`. */
export interface KeyInfo { key: string; runs: number; values: number }
export interface RunKeys { metrics: KeyInfo[]; params: KeyInfo[]; tags: KeyInfo[] }
