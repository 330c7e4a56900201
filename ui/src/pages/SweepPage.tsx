// Placeholder: this page is being built.
import { Empty } from "../components/common";

export function SweepPage({ runId }: { runId: string }) {
  return <Empty title={`SweepPage ${runId}`}>This page is not built yet.</Empty>;
}
