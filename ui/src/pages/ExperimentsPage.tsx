// The experiments: run counts and last activity (counted in SQL by the server), search by name,
// create / rename / delete through MLflow's REST API, and several opened together in one runs table.
import { useState } from "react";
import { Link } from "wouter";
import { mlflow, ui } from "../api";
import { Await, Empty, ErrorBox } from "../components/common";
import { formatTime } from "../format";
import { useApi } from "../hooks";
import { setQuery, useQuery } from "../url";
import "./ExperimentsPage.css";

export interface ExperimentSummary {
  experiment_id: string;
  name: string;
  runs: number;
  last_activity: number | null;
  creation_time: number | null;
}

/** Every active experiment with its run count and last activity (one call, no run loaded). */
export function useExperiments() {
  return useApi(() => ui.get<{ experiments: ExperimentSummary[] }>("experiments").then((r) => r.experiments), []);
}

export function ExperimentsPage() {
  const loaded = useExperiments();
  const search = useQuery().get("q") ?? "";
  const [selected, setSelected] = useState<string[]>([]);
  const [actionError, setActionError] = useState<unknown>();
  const act = async (action: () => Promise<unknown>) => {
    try {
      await action();
      setActionError(undefined);
      loaded.reload();
      return true;
    } catch (error) {
      setActionError(error);
      return false;
    }
  };
  const toggle = (id: string) =>
    setSelected((now) => (now.includes(id) ? now.filter((x) => x !== id) : [...now, id]));
  return (
    <div className="experiments-page">
      <div className="toolbar">
        <h1 className="grow">Experiments</h1>
        <input type="search" placeholder="Search by name" aria-label="Search experiments by name" value={search}
          onChange={(event) => setQuery({ q: event.target.value }, { replace: true })} />
        {selected.length > 0 && (
          <Link href={`/experiments/${selected.join(",")}?`} className="button primary">
            Open {selected.length} together
          </Link>
        )}
      </div>
      <CreateExperiment onCreate={(name) => act(() => mlflow.post("experiments/create", { name }))} />
      {actionError !== undefined && <ErrorBox error={actionError} title="The server refused" />}
      <Await loaded={loaded} what="Loading experiments">
        {(experiments) => {
          const shown = experiments.filter((e) => e.name.toLowerCase().includes(search.toLowerCase()));
          const anyRuns = experiments.some((e) => e.runs > 0);
          return (
            <>
              {!anyRuns && (
                <Empty title="No runs yet">
                  Add <code>autotrack.autolog()</code> to your training script (or wrap it in{" "}
                  <code>with autotrack.start_run():</code>) and run it; its runs appear here.
                </Empty>
              )}
              {shown.length === 0 ? (
                <Empty title={`No experiment matches “${search}”`}>Clear the search to see them all.</Empty>
              ) : (
                <table className="plain experiments">
                  <thead>
                    <tr>
                      <th aria-label="Select" />
                      <th>Name</th>
                      <th className="num">Runs</th>
                      <th>Last activity</th>
                      <th>Created</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((experiment) => (
                      <ExperimentRow key={experiment.experiment_id} experiment={experiment}
                        selected={selected.includes(experiment.experiment_id)}
                        onToggle={() => toggle(experiment.experiment_id)}
                        onRename={(name) => act(() => mlflow.post("experiments/update",
                          { experiment_id: experiment.experiment_id, new_name: name }))}
                        onDelete={() => act(() => mlflow.post("experiments/delete",
                          { experiment_id: experiment.experiment_id }))} />
                    ))}
                  </tbody>
                </table>
              )}
            </>
          );
        }}
      </Await>
    </div>
  );
}

function CreateExperiment({ onCreate }: { onCreate: (name: string) => Promise<boolean> }) {
  const [name, setName] = useState("");
  return (
    <form className="toolbar" onSubmit={async (event) => {
      event.preventDefault();
      if (name.trim() && (await onCreate(name.trim()))) setName("");
    }}>
      <input placeholder="New experiment name" aria-label="New experiment name" value={name}
        onChange={(event) => setName(event.target.value)} />
      <button type="submit" disabled={!name.trim()}>Create</button>
    </form>
  );
}

function ExperimentRow({ experiment, selected, onToggle, onRename, onDelete }: {
  experiment: ExperimentSummary;
  selected: boolean;
  onToggle: () => void;
  onRename: (name: string) => Promise<boolean>;
  onDelete: () => Promise<boolean>;
}) {
  const [renaming, setRenaming] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const id = experiment.experiment_id;
  return (
    <tr className={selected ? "selected" : ""}>
      <td>
        <input type="checkbox" checked={selected} onChange={onToggle} aria-label={`Select ${experiment.name}`} />
      </td>
      <td>
        {renaming === null ? (
          <Link href={`/experiments/${id}?`}>{experiment.name}</Link>
        ) : (
          <form className="inline" onSubmit={async (event) => {
            event.preventDefault();
            if (renaming.trim() && (await onRename(renaming.trim()))) setRenaming(null);
          }}>
            <input autoFocus value={renaming} aria-label={`New name for ${experiment.name}`}
              onChange={(event) => setRenaming(event.target.value)}
              onKeyDown={(event) => event.key === "Escape" && setRenaming(null)} />
            <button type="submit">Save</button>
            <button type="button" onClick={() => setRenaming(null)}>Cancel</button>
          </form>
        )}
      </td>
      <td className="num">{experiment.runs === 0 ? <span className="muted">no runs yet</span> : experiment.runs.toLocaleString()}</td>
      <td>{formatTime(experiment.last_activity)}</td>
      <td className="muted">{formatTime(experiment.creation_time)}</td>
      <td className="actions">
        {renaming === null && !confirming && (
          <>
            <button onClick={() => setRenaming(experiment.name)} aria-label={`Rename ${experiment.name}`}>Rename</button>
            <button onClick={() => setConfirming(true)} aria-label={`Delete ${experiment.name}`}>Delete</button>
          </>
        )}
        {confirming && (
          <>
            <span className="muted">Delete “{experiment.name}” and hide its runs?</span>
            <button className="danger" onClick={async () => { if (!(await onDelete())) setConfirming(false); }}>
              Yes, delete
            </button>
            <button onClick={() => setConfirming(false)}>Keep</button>
          </>
        )}
      </td>
    </tr>
  );
}
