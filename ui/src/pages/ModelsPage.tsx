// Placeholder: this page is being built.
import { Empty } from "../components/common";

export function ModelsPage() {
  return <Empty title="Registered models">This page is not built yet.</Empty>;
}
