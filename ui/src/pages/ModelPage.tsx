// One registered model: description, tags, aliases (set / move / delete), versions with their source runs,
// and the selected version (`?version=N`, default the newest) with the command that serves it.
import { Link } from "wouter";
import { ApiError } from "../api";
import { Empty, ErrorBox, Loading } from "../components/common";
import { AliasesEditor } from "../components/models/AliasesEditor";
import { EditableText } from "../components/models/EditableText";
import {
  deleteModelTag, getModel, listVersions, setModelTag, updateModelDescription, type ModelVersion,
} from "../components/models/registry";
import { TagsEditor } from "../components/models/TagsEditor";
import { runRoute } from "../components/run/runData";
import { VersionDetail } from "../components/models/VersionDetail";
import { formatTime, shortId } from "../format";
import { useApi } from "../hooks";
import { setQuery, useQuery } from "../url";
import "../components/models/models.css";

function VersionsTable({ versions, selected }: { versions: ModelVersion[]; selected: string }) {
  return (
    <table className="plain versions-table" aria-label="Versions">
      <thead><tr><th className="num">Version</th><th>Registered</th><th>Source run</th><th>Stage</th><th>Aliases</th><th>Description</th></tr></thead>
      <tbody>
        {versions.map((v) => (
          <tr key={v.version} className={v.version === selected ? "selected" : ""} data-version={v.version}>
            <td className="num"><a href="#" onClick={(event) => { event.preventDefault(); setQuery({ version: v.version }); }}
              aria-label={`Show version ${v.version}`}>{v.version}</a></td>
            <td>{formatTime(v.creation_timestamp)}</td>
            <td>{v.run_id ? <Link href={runRoute(v.run_id)}>{shortId(v.run_id)}</Link> : "—"}</td>
            <td>{v.current_stage && v.current_stage !== "None" ? v.current_stage : ""}</td>
            <td>{(v.aliases ?? []).map((a) => <span key={a} className="alias-chip">@{a}</span>)}</td>
            <td className="muted">{(v.description ?? "").slice(0, 100)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ModelPage({ name }: { name: string }) {
  const selectedParam = useQuery().get("version");
  const loaded = useApi(() => Promise.all([getModel(name), listVersions(name)]), [name]);
  if (loaded.error && !loaded.data) {
    if (loaded.error instanceof ApiError && loaded.error.code === "RESOURCE_DOES_NOT_EXIST") {
      return <Empty title={`No registered model named "${name}"`}>It may have been renamed or deleted. <Link href="/models">See all models</Link>.</Empty>;
    }
    return <ErrorBox error={loaded.error} title={`Model "${name}" could not be read`} />;
  }
  if (!loaded.data || loaded.data[0].name !== name) return <Loading what="Loading the model" />;
  const [model, versions] = loaded.data;
  const selected = versions.find((v) => v.version === selectedParam) ?? versions[0];
  return (
    <div className="model-page">
      <nav className="muted"><Link href="/models">Models</Link> /</nav>
      <h1>{model.name}</h1>
      <div className="model-meta muted">
        <span>{versions.length} version{versions.length === 1 ? "" : "s"}</span>
        <span>created {formatTime(model.creation_timestamp)}</span>
        <span>modified {formatTime(model.last_updated_timestamp)}</span>
      </div>
      {loaded.error && <ErrorBox error={loaded.error} />}
      <h2>Description</h2>
      <EditableText value={model.description ?? ""} label="Model description"
        onSave={(text) => updateModelDescription(model.name, text).then(loaded.reload)} />
      <AliasesEditor model={model} versions={versions} onChanged={loaded.reload} />
      <h2>Versions</h2>
      {versions.length ? <VersionsTable versions={versions} selected={selected?.version ?? ""} />
        : <div className="muted">No versions yet: register one from a run's Artifacts tab.</div>}
      {selected && <VersionDetail key={selected.version} version={selected} onChanged={loaded.reload} />}
      <h2>Tags</h2>
      <TagsEditor tags={model.tags ?? []} onChanged={loaded.reload}
        onSet={(key, value) => setModelTag(model.name, key, value)} onDelete={(key) => deleteModelTag(model.name, key)} />
    </div>
  );
}
