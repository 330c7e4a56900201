// Placeholder: this page is being built.
import { Empty } from "../components/common";

export function ExperimentsPage() {
  return <Empty title="Experiments">This page is not built yet.</Empty>;
}
