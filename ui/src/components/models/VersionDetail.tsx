// One model version: its source run, stage, description (editable), and the commands that serve it.
import { Link } from "wouter";
import { mlflow, type Run } from "../../api";
import { formatTime, shortId } from "../../format";
import { useApi } from "../../hooks";
import { runRoute } from "../run/runData";
import { CopyCommand } from "./CopyCommand";
import { EditableText } from "./EditableText";
import { serveCommand, updateVersionDescription, type ModelVersion } from "./registry";
import "./models.css";

function SourceRun({ runId }: { runId: string }) {
  const run = useApi(() => mlflow.get<{ run: Run }>("runs/get", { run_id: runId }).then((found) => found.run), [runId]);
  const name = run.data?.info.run_name;
  return <Link href={runRoute(runId)} className="source-run">{name ? `${name} (${shortId(runId)})` : runId}</Link>;
}

export function VersionDetail({ version, onChanged }: { version: ModelVersion; onChanged: () => void }) {
  const aliases = version.aliases ?? [];
  const stage = version.current_stage && version.current_stage !== "None" ? version.current_stage : undefined;
  return (
    <section className="version-detail card" aria-label={`Version ${version.version}`}>
      <h2>Version {version.version}</h2>
      <dl>
        <dt>Source run</dt><dd>{version.run_id ? <SourceRun runId={version.run_id} /> : <span className="muted">none</span>}</dd>
        <dt>Source</dt><dd><code>{version.source}</code></dd>
        <dt>Registered</dt><dd>{formatTime(version.creation_timestamp)}{version.user_id ? ` by ${version.user_id}` : ""}</dd>
        {stage && <><dt>Stage</dt><dd>{stage}</dd></>}
        <dt>Aliases</dt><dd>{aliases.length ? aliases.map((a) => <span key={a} className="alias-chip">@{a}</span>) : <span className="muted">none</span>}</dd>
        {(version.tags ?? []).length > 0 && <><dt>Tags</dt><dd>{version.tags!.map((t) => `${t.key}=${t.value}`).join(", ")}</dd></>}
      </dl>
      <h3>Description</h3>
      <EditableText value={version.description ?? ""} label="Version description"
        onSave={(text) => updateVersionDescription(version.name, version.version, text).then(onChanged)} />
      <h3>Serve it</h3>
      {aliases.map((alias) => <CopyCommand key={alias} command={serveCommand(version.name, { alias })} />)}
      <CopyCommand command={serveCommand(version.name, { version: version.version })} />
      <div className="muted">Then <code>POST /invocations</code> with JSON rows; or in Python:
        <code> autotrack.pyfunc.load_model("models:/{version.name}{aliases.length ? `@${aliases[0]}` : `/${version.version}`}")</code></div>
    </section>
  );
}
