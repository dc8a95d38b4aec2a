import { h } from "./dom.js";

const KNOWN = new Set(["QUEUED", "STARTING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "ERROR"]);

/** A run status as a coloured badge; the colour is never the only signal (the word is always there). */
export function statusBadge(status: string): HTMLElement {
  const known = KNOWN.has(status);
  return h(
    "span",
    { class: `badge${known ? ` s-${status.toLowerCase()}` : ""}` },
    known ? status : status.slice(0, 40),
  );
}
