// One write to the registry at a time from a form: busy flag, the error to show, a reload when it succeeds.
import { useState } from "react";

export function useAction(after: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    return work().then(after, setError).finally(() => setBusy(false));
  };
  return { busy, error, run };
}
