// The runs table's rows: pages of top-level runs read from the server as the table scrolls (sorted
// and filtered there), the children of each expanded parent, and polling so live runs stay current.
import { useCallback, useEffect, useRef, useState } from "react";
import { ui } from "../../api";
import { useInterval } from "../../hooks";
import { rowsOf, type RunRow, type TablePage } from "./types";

const FIRST_PAGE = 200; // several screens of rows: what the user sees first comes fast
const PAGE = 2000; // rows per later request, as the table scrolls
const REFRESH_MAX = 5000; // the server's largest page: a refresh re-reads at most this many rows
const CHILDREN_MAX = 5000;

export interface RowsQuery {
  experimentIds: string[];
  filter: string;
  sort: string | null;
  columns: string[];
  expanded: string[];
  /** False until the columns are known (the default ones come from the experiments' keys): no request before. */
  enabled: boolean;
}

export interface Rows {
  /** Top-level runs (every matching run when a filter is set), in the server's order; after a failed
   * read, the last rows read (`stale`). */
  top: RunRow[] | undefined;
  /** Children of expanded parents, by parent id. */
  children: Record<string, RunRow[]>;
  hasMore: boolean;
  loading: boolean;
  /** The rows are of an earlier query (the current one is loading or failed). */
  stale: boolean;
  error: unknown;
  /** Whether trials are folded under their parent (no filter) or listed flat (a filter is set). */
  nested: boolean;
  loadMore: () => void;
}

export function useRunRows(query: RowsQuery): Rows {
  const nested = query.filter.trim() === "";
  const key = JSON.stringify([query.experimentIds, query.filter, query.sort, query.columns]);
  const current = useRef(key);
  current.current = key;
  const [top, setTop] = useState<{ key: string; rows: RunRow[]; next: number | null }>();
  const [children, setChildren] = useState<{ key: string; byParent: Record<string, RunRow[]> }>({ key, byParent: {} });
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const busy = useRef(false);

  const fetchPage = useCallback((offset: number, limit: number, extra: Record<string, unknown> = {}) =>
    ui.post<TablePage>("runs/table", {
      experiment_ids: query.experimentIds, filter: query.filter, order_by: query.sort ? [query.sort] : [],
      columns: query.columns, offset, max_results: limit, top_level: nested, ...extra,
    }), [key]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (!query.enabled) return;
    let live = true;
    setLoading(true);
    fetchPage(0, FIRST_PAGE).then(
      (page) => {
        if (!live) return;
        setTop({ key, rows: rowsOf(page), next: page.next_offset });
        setError(undefined);
        setLoading(false);
      },
      // The last good rows stay (the page dims them under the error): a typo in the filter hides nothing.
      (reason) => { if (live) { setError(reason); setLoading(false); } },
    );
    return () => { live = false; };
  }, [fetchPage, query.enabled]); // eslint-disable-line react-hooks/exhaustive-deps

  const bestOf = (parentId: string) => top?.rows.find((row) => row.runId === parentId)?.bestRunId ?? null;
  const loadChildren = useCallback(async (parents: string[]) => {
    const asked = key;
    const found = await Promise.all(parents.map((parent) =>
      fetchPage(0, CHILDREN_MAX, { parent_run_id: parent, top_level: false })
        .then((page) => [parent, rowsOf(page, 1, bestOf(parent))] as const)));
    if (current.current !== asked) return;
    setChildren((now) => ({ key: asked, byParent: { ...(now.key === asked ? now.byParent : {}), ...Object.fromEntries(found) } }));
  }, [fetchPage, top]); // eslint-disable-line react-hooks/exhaustive-deps

  const childrenNow = children.key === key ? children.byParent : {};
  const missing = nested && top?.key === key ? query.expanded.filter((id) => !(id in childrenNow)) : [];
  useEffect(() => {
    if (missing.length) loadChildren(missing).catch(setError);
  }, [missing.join(","), loadChildren]); // eslint-disable-line react-hooks/exhaustive-deps

  const loadMore = useCallback(() => {
    if (!top || top.key !== key || top.next === null || busy.current) return;
    busy.current = true;
    const asked = key;
    fetchPage(top.next, PAGE).then(
      (page) => {
        if (current.current === asked) {
          setTop((now) => now && now.key === asked
            ? { key: asked, rows: merged(now.rows, rowsOf(page)), next: page.next_offset } : now);
        }
      },
      setError,
    ).finally(() => { busy.current = false; });
  }, [top, key, fetchPage]);

  // Live: re-read what is shown (new runs appear, running ones move on); faster while any run is RUNNING.
  const shownRows = top?.key === key ? top.rows : [];
  const running = shownRows.some((row) => row.status === "RUNNING") ||
    Object.values(childrenNow).some((rows) => rows.some((row) => row.status === "RUNNING"));
  const refresh = useCallback(() => {
    if (!top || top.key !== key || busy.current) return;
    busy.current = true;
    const asked = key;
    // While runs are RUNNING every loaded row may change; otherwise only new runs at the top matter.
    const limit = running ? Math.min(Math.max(top.rows.length, FIRST_PAGE), REFRESH_MAX) : FIRST_PAGE;
    fetchPage(0, limit).then(
      (page) => {
        if (current.current !== asked) return;
        setTop((now) => {
          if (!now || now.key !== asked) return now;
          const rows = merged(rowsOf(page), now.rows.slice(limit));
          return { key: asked, rows, next: now.rows.length > limit ? now.next : page.next_offset };
        });
      },
      () => undefined, // a failed poll keeps the rows; the next one tries again
    ).finally(() => { busy.current = false; });
    const open = nested ? query.expanded : [];
    if (open.length) loadChildren(open).catch(() => undefined);
  }, [top, key, fetchPage, loadChildren, nested, query.expanded, running]);
  useInterval(refresh, running ? 2000 : 5000);

  return {
    top: top?.rows, children: childrenNow, hasMore: top?.key === key && top.next !== null,
    loading: loading || top?.key !== key, stale: top !== undefined && top.key !== key, error, nested, loadMore,
  };
}

/** `head`, then the rows of `tail` not already in it: a run that moved between pages is listed once. */
function merged(head: RunRow[], tail: RunRow[]): RunRow[] {
  if (!tail.length) return head;
  const seen = new Set(head.map((row) => row.runId));
  return [...head, ...tail.filter((row) => !seen.has(row.runId))];
}
