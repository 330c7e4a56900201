// Placeholder: this page is being built.
import { Empty } from "../components/common";

export function RunPage({ runId }: { runId: string }) {
  return <Empty title={`RunPage ${runId}`}>This page is not built yet.</Empty>;
}
