import type { StructureRunStatus } from "./structure-run.js";

// What ends a run, defined once: the emulator's store (no event after it), its streams (they end after it), the
// client and `tail` (they stop after it) all ask here.

/** Statuses after which nothing changes: no event is stored, event streams end, the output is fixed. */
export const TERMINAL_RUN_STATUSES: ReadonlySet<StructureRunStatus> = new Set([
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
  "ERROR",
]);

/** The SYSTEM event types that end a run. */
const TERMINAL_SYSTEM_EVENT_TYPES: ReadonlySet<string> = new Set(["StructureRunCompleted", "StructureRunError"]);

/** Whether this event ends a run: a SYSTEM `StructureRunCompleted` or `StructureRunError`. */
export function isTerminalEvent(event: { readonly origin: string; readonly type: string }): boolean {
  return event.origin === "SYSTEM" && TERMINAL_SYSTEM_EVENT_TYPES.has(event.type);
}

export function isTerminalStatus(status: StructureRunStatus): boolean {
  return TERMINAL_RUN_STATUSES.has(status);
}
