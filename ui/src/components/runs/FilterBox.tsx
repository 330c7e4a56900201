// The filter box: MLflow's search grammar, applied on Enter; a malformed filter shows the server's
// message with the offending part of the text marked where the parser stopped.
import { useEffect, useState } from "react";
import { ApiError } from "../../api";

/** Where the server's parser stopped ("Invalid filter at position 12: ..."), if the error says. */
export function filterErrorPosition(error: unknown): number | null {
  if (!(error instanceof ApiError)) return null;
  const found = /Invalid filter at position (\d+)/.exec(error.message);
  return found ? Number(found[1]) : null;
}

export function FilterBox({ value, onApply, error }: {
  value: string;
  onApply: (filter: string) => void;
  error: unknown;
}) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const position = filterErrorPosition(error);
  const message = error instanceof ApiError ? error.message.split("\n")[0] : "";
  return (
    <div className="filter-box">
      <form onSubmit={(event) => { event.preventDefault(); onApply(text.trim()); }}>
        <input className={position !== null ? "invalid mono" : "mono"} value={text} spellCheck={false}
          aria-label="Filter runs" aria-invalid={position !== null}
          placeholder="metrics.accuracy > 0.9 and params.solver = 'lbfgs' and attributes.status = 'FINISHED'"
          onChange={(event) => setText(event.target.value)} />
        <button type="submit">Filter</button>
        {value && <button type="button" onClick={() => onApply("")}>Clear</button>}
      </form>
      {position !== null && (
        <div className="filter-error" role="alert">
          <div>{message}</div>
          <code className="filter-text">
            {value.slice(0, position)}
            <mark title="The filter stops making sense here">{value.slice(position) || " "}</mark>
          </code>
        </div>
      )}
    </div>
  );
}
