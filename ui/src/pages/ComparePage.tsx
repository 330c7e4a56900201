// Placeholder: this page is being built.
import { Empty } from "../components/common";

export function ComparePage() {
  return <Empty title="Compare runs">This page is not built yet.</Empty>;
}
