// Registered models: search by name; each with its latest version, aliases and description.
import { Link } from "wouter";
import { Await, Empty } from "../components/common";
import { searchModels } from "../components/models/registry";
import { formatTime } from "../format";
import { useApi } from "../hooks";
import { setQuery, useQuery } from "../url";
import "../components/models/models.css";

export function ModelsPage() {
  const text = useQuery().get("q") ?? "";
  const models = useApi(() => searchModels(text), [text]);
  return (
    <div className="models-page">
      <h1>Registered models</h1>
      <div className="toolbar">
        <input className="model-search" type="search" placeholder="Search models by name" value={text} aria-label="Search models"
          onChange={(event) => setQuery({ q: event.target.value }, { replace: true })} />
      </div>
      <Await loaded={models} what="Loading models">
        {(found) => !found.length ? (
          text ? <Empty title={`No model name contains "${text}"`}>Clear the search to see every registered model.</Empty> : (
            <Empty title="No registered models yet">
              Register one from a run: open its Artifacts tab, pick the model folder, then <strong>Register model</strong>.
              Or in Python: <code>autotrack.register_model("runs:/&lt;run_id&gt;/model", "my-model")</code>.
            </Empty>)
        ) : (
          <table className="plain models-table">
            <thead><tr><th>Name</th><th className="num">Latest version</th><th>Aliases</th><th>Description</th><th>Last modified</th></tr></thead>
            <tbody>
              {found.map((model) => {
                const latest = Math.max(0, ...(model.latest_versions ?? []).map((v) => Number(v.version)));
                return (
                  <tr key={model.name}>
                    <td><Link href={`/models/${encodeURIComponent(model.name)}`}>{model.name}</Link></td>
                    <td className="num">{latest || "—"}</td>
                    <td>{(model.aliases ?? []).map((a) => <span key={a.alias} className="alias-chip">@{a.alias} → v{a.version}</span>)}</td>
                    <td className="muted">{(model.description ?? "").slice(0, 120)}</td>
                    <td>{formatTime(model.last_updated_timestamp)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Await>
    </div>
  );
}
