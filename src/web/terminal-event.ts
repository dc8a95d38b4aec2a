// What ends a run, defined once for every reader: the emulator's store (no event after it) and streams (they end
// after it), the client and the CLI's `tail` and live view (they stop after it), and the web view's page.
//
// It lives with the page's code because the page is compiled on its own, for the browser, without a bundler
// (src/web/tsconfig.json): a file both compilations share must sit where the page's is emitted. The Node build
// emits it to the same dist/web/terminal-event.js. So it imports nothing, and uses neither Node nor the DOM.

/** Run statuses after which nothing changes: no event is stored, event streams end, the output is fixed. */
export const TERMINAL_RUN_STATUSES: ReadonlySet<"SUCCEEDED" | "FAILED" | "CANCELLED" | "ERROR"> = new Set([
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
  "ERROR",
] as const);

/** The SYSTEM event types that end a run. */
const TERMINAL_SYSTEM_EVENT_TYPES: ReadonlySet<string> = new Set(["StructureRunCompleted", "StructureRunError"]);

/** Whether this event ends a run: a SYSTEM `StructureRunCompleted` or `StructureRunError`. */
export function isTerminalEvent(event: { readonly origin: string; readonly type: string }): boolean {
  return event.origin === "SYSTEM" && TERMINAL_SYSTEM_EVENT_TYPES.has(event.type);
}

/** Whether a run in this status has ended. */
export function isTerminalStatus(status: string): boolean {
  return (TERMINAL_RUN_STATUSES as ReadonlySet<string>).has(status);
}
