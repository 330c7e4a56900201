// Placeholder: this page is being built.
import { Empty } from "../components/common";

export function ModelPage({ name }: { name: string }) {
  return <Empty title={`ModelPage ${name}`}>This page is not built yet.</Empty>;
}
