// A logged model folder: its flavors and signature (inputs, outputs, params) as tables, and "Register model".
import { useState } from "react";
import { ui } from "../../api";
import { useApi } from "../../hooks";
import { Await } from "../common";
import { RegisterModelDialog } from "./RegisterModelDialog";

interface SignatureRow { name: string; type: string; default?: string }
interface MLmodelInfo {
  path: string; run_id: string; flavors: string[]; model_uuid?: string; utc_time_created?: string;
  has_signature: boolean; inputs: SignatureRow[]; outputs: SignatureRow[]; params: SignatureRow[];
}

function SignatureTable({ title, rows }: { title: string; rows: SignatureRow[] }) {
  if (!rows.length) return null;
  const defaults = rows.some((row) => row.default !== undefined);
  return (
    <div className="signature-part">
      <h4>{title}</h4>
      <table className="plain signature-table" aria-label={`Signature ${title.toLowerCase()}`}>
        <thead><tr><th>Name</th><th>Type</th>{defaults && <th>Default</th>}</tr></thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={index}><td className="mono">{row.name}</td><td className="mono">{row.type}</td>
              {defaults && <td className="mono">{row.default ?? ""}</td>}</tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ModelView({ runId, path }: { runId: string; path: string }) {
  const info = useApi(() => ui.get<MLmodelInfo>("mlmodel", { run_id: runId, path }), [runId, path]);
  const [registering, setRegistering] = useState(false);
  return (
    <div className="model-view">
      <div className="toolbar">
        <strong>Model <code>{path || "(root)"}</code></strong>
        <span className="grow" />
        <button className="primary" onClick={() => setRegistering(true)}>Register model</button>
      </div>
      <Await loaded={info} what="Reading MLmodel">
        {(model) => (
          <>
            <div className="muted">
              Flavors: {model.flavors.map((f) => <code key={f} className="flavor">{f}</code>)}
              {model.utc_time_created && <> · saved {model.utc_time_created.slice(0, 19)} UTC</>}
            </div>
            <div className="muted">Load it: <code>autotrack.pyfunc.load_model("runs:/{runId}/{path}")</code></div>
            <h3>Signature</h3>
            {model.has_signature ? (
              <div className="signature">
                <SignatureTable title="Inputs" rows={model.inputs} />
                <SignatureTable title="Outputs" rows={model.outputs} />
                <SignatureTable title="Params" rows={model.params} />
              </div>
            ) : (
              <div className="muted">No signature: log the model with <code>signature=infer_signature(X, y)</code> or an
                <code> input_example</code> so inputs are checked when it predicts.</div>
            )}
          </>
        )}
      </Await>
      {registering && <RegisterModelDialog runId={runId} path={path} onClose={() => setRegistering(false)} />}
    </div>
  );
}
