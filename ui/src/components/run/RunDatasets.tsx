// The datasets a run read (`log_input`, MLflow's run inputs): name, digest, where from, in which role.
import type { KeyValue, Run } from "../../api";

interface DatasetInput {
  tags?: KeyValue[];
  dataset: { name: string; digest: string; source_type: string; source: string; schema?: string; profile?: string };
}

const CONTEXT_TAG = "mlflow.data.context";

export function RunDatasets({ run }: { run: Run }) {
  const inputs = (run as Run & { inputs?: { dataset_inputs?: DatasetInput[] } }).inputs?.dataset_inputs ?? [];
  if (!inputs.length) return null;
  return (
    <section className="run-datasets">
      <h2>Datasets <span className="muted">({inputs.length})</span></h2>
      <table className="plain" aria-label="Datasets">
        <thead><tr><th>Name</th><th>Context</th><th>Digest</th><th>Source</th><th>Profile</th></tr></thead>
        <tbody>
          {inputs.map((input, index) => {
            const { dataset } = input;
            const context = input.tags?.find((tag) => tag.key === CONTEXT_TAG)?.value ?? "";
            return (
              <tr key={`${dataset.name}:${dataset.digest}:${index}`}>
                <td>{dataset.name}</td>
                <td>{context}</td>
                <td className="mono">{dataset.digest}</td>
                <td className="mono dataset-source" title={dataset.source}>{dataset.source_type}: {dataset.source}</td>
                <td className="mono muted">{dataset.profile ?? ""}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
