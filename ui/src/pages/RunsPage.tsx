// Placeholder: this page is being built.
import { Empty } from "../components/common";

export function RunsPage({ experimentIds }: { experimentIds: string[] }) {
  return <Empty title={`Runs of ${experimentIds.join(", ")}`}>This page is not built yet.</Empty>;
}
