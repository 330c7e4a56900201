// Which parameters moved the objective: Optuna's fANOVA importance, computed by the server on completed trials.
import { ui } from "../../api";
import { useApi } from "../../hooks";
import { Await, Empty } from "../common";
import type { Importance } from "./types";

export function ParamImportance({ runId, completed }: { runId: string; completed: number }) {
  // recomputed when another trial completes (a live sweep), not on every poll
  const loaded = useApi(() => ui.get<Importance>("sweeps/importance", { run_id: runId }), [runId, completed]);
  return (
    <Await loaded={loaded} what="Computing parameter importance">
      {(found) => found.importances.length === 0 ? (
        <Empty title="No importance yet">{found.message}</Empty>
      ) : (
        <div className="importance" data-testid="importance">
          {found.importances.map(({ param, importance }) => (
            <div className="importance-row" key={param} data-param={param}>
              <span className="importance-name" title={param}>{param}</span>
              <span className="importance-bar"><span style={{ width: `${Math.max(importance * 100, 0.5)}%` }} /></span>
              <span className="importance-value num">{importance.toFixed(3)}</span>
            </div>
          ))}
          <div className="muted small">
            Optuna's {found.evaluator} on {found.n_complete} completed trials, for {found.metric}.
          </div>
        </div>
      )}
    </Await>
  );
}
