// A shell command shown as code with a copy button (the clipboard API, or a selection copy where it is refused).
import { useRef, useState } from "react";
import "./models.css";

async function copy(text: string, element: HTMLElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!element) return false;  // no clipboard permission (plain http, headless): copy the selected text
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    return document.execCommand("copy");
  }
}

export function CopyCommand({ command }: { command: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const code = useRef<HTMLElement>(null);
  return (
    <div className="copy-command">
      <code ref={code}>{command}</code>
      <button type="button" aria-label={`Copy ${command}`} title="Copy to the clipboard"
        onClick={() => copy(command, code.current).then((ok) => setState(ok ? "copied" : "failed"))}>
        {state === "copied" ? "Copied" : state === "failed" ? "Select and copy" : "Copy"}
      </button>
    </div>
  );
}
