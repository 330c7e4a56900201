// One run: header, then tabs (overview: params, metrics with sparklines, tags, child runs; charts; artifacts).
// The tab and the selected artifact live in the URL (`?tab=artifacts&artifact=model`), so views can be shared.
import { useState } from "react";
import { Link } from "wouter";
import { ApiError, mlflow, type Run } from "../api";
import { Empty, ErrorBox, Loading } from "../components/common";
import { MetricCharts } from "../components/MetricCharts";
import { ArtifactBrowser } from "../components/run/ArtifactBrowser";
import { listArtifacts } from "../components/run/artifacts";
import { KeyValueTable } from "../components/run/KeyValueTable";
import { MetricsTable } from "../components/run/MetricsTable";
import { RunChildren } from "../components/run/RunChildren";
import { RunDatasets } from "../components/run/RunDatasets";
import { RunHeader } from "../components/run/RunHeader";
import { displayStatus, splitTags } from "../components/run/runData";
import { useApi, useInterval } from "../hooks";
import { href, setQuery, useQuery } from "../url";
import "./RunPage.css";

const TABS = [["overview", "Overview"], ["charts", "Charts"], ["artifacts", "Artifacts"]] as const;
const TRACEBACK = "traceback.txt";

function NoSuchRun({ runId }: { runId: string }) {
  return (
    <Empty title={`No run ${runId}`}>
      This server has no run with that id: it was deleted for good, belongs to another tracking server, or the
      link is mistyped. <Link href="/">Find runs in the experiments</Link>.
    </Empty>
  );
}

function DeletedBanner({ run, onRestored }: { run: Run; onRestored: () => void }) {
  const [error, setError] = useState<unknown>();
  return (
    <div className="banner banner-warn" role="alert">
      <strong>This run is deleted.</strong> It is hidden from searches and will be removed for good by garbage
      collection.{" "}
      <button onClick={() => mlflow.post("runs/restore", { run_id: run.info.run_id }).then(onRestored, setError)}>Restore it</button>
      {error !== undefined && <ErrorBox error={error} title="The run could not be restored" />}
    </div>
  );
}

function FailedBanner({ run }: { run: Run }) {
  const files = useApi(() => listArtifacts(run.info.run_id, ""), [run.info.run_id]);
  const hasTraceback = files.data?.some((file) => file.path === TRACEBACK);
  return (
    <div className="banner banner-bad" role="alert">
      <strong>This run {displayStatus(run) === "FAILED" ? "failed" : "ended early"}.</strong>{" "}
      {hasTraceback ? <a href={href(`/runs/${run.info.run_id}`, { tab: "artifacts", artifact: TRACEBACK })}>Show its traceback</a>
        : files.data ? <span className="muted">No {TRACEBACK} was logged with it.</span> : null}
    </div>
  );
}

function Overview({ run, live }: { run: Run; live: boolean }) {
  const tags = splitTags(run.data.tags);
  return (
    <>
      <div className="grid-2 run-overview">
        <section>
          <h2>Parameters <span className="muted">({run.data.params?.length ?? 0})</span></h2>
          <KeyValueTable items={[...(run.data.params ?? [])].sort((a, b) => a.key.localeCompare(b.key))} label="Parameters"
            empty="No parameters logged." />
        </section>
        <section>
          <h2>Metrics <span className="muted">({run.data.metrics?.length ?? 0})</span></h2>
          <MetricsTable runId={run.info.run_id} metrics={run.data.metrics ?? []} live={live} />
        </section>
      </div>
      <RunDatasets run={run} />
      <RunChildren run={run} live={live} />
      <div className="grid-2">
        <section>
          <h2>Tags <span className="muted">({tags.user.length})</span></h2>
          <KeyValueTable items={tags.user} label="Tags" empty="No tags of your own: autotrack.set_tag(key, value)." />
        </section>
        <section>
          <h2>System tags <span className="muted">({tags.system.length})</span></h2>
          <KeyValueTable items={tags.system} label="System tags" empty="No system tags." />
        </section>
      </div>
    </>
  );
}

export function RunPage({ runId }: { runId: string }) {
  const query = useQuery();
  const tab = query.get("tab") ?? "overview";
  const loaded = useApi(() => mlflow.get<{ run: Run }>("runs/get", { run_id: runId }).then((found) => found.run), [runId]);
  const live = loaded.data?.info.status === "RUNNING";
  useInterval(loaded.reload, 3000, live);

  if (loaded.error && !loaded.data) {
    if (loaded.error instanceof ApiError && loaded.error.code === "RESOURCE_DOES_NOT_EXIST") return <NoSuchRun runId={runId} />;
    return <ErrorBox error={loaded.error} title={`Run ${runId} could not be read`} />;
  }
  const run = loaded.data;
  if (!run || run.info.run_id !== runId) return <Loading what="Loading the run" />;
  const status = displayStatus(run);
  return (
    <div className="run-page">
      <RunHeader run={run} />
      {run.info.lifecycle_stage === "deleted" && <DeletedBanner run={run} onRestored={loaded.reload} />}
      {(status === "FAILED" || status === "KILLED") && <FailedBanner run={run} />}
      <nav className="tabs" role="tablist">
        {TABS.map(([key, label]) => (
          <button key={key} role="tab" aria-selected={tab === key} className={tab === key ? "active" : ""}
            onClick={() => setQuery({ tab: key === "overview" ? null : key })}>{label}</button>
        ))}
      </nav>
      <div role="tabpanel" key={runId /* another run's views start afresh, never showing this one's data */}>
        {tab === "overview" && <Overview run={run} live={live} />}
        {tab === "charts" && <MetricCharts runIds={[runId]} live />}
        {tab === "artifacts" && <ArtifactBrowser run={run} />}
      </div>
    </div>
  );
}
