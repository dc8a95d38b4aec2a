import { describe, expect, it } from "vitest";
import { STRUCTURE_RUN_STATUSES } from "../../src/runtime/structure-run.js";
import { isTerminalEvent, isTerminalStatus, TERMINAL_RUN_STATUSES } from "../../src/web/terminal-event.js";

// The one definition of a run's end (the emulator, the client, the CLI and the page all ask it). It cannot import
// the run's status schema (the page's compilation holds no zod), so this holds the two together.
describe("what ends a run", () => {
  it("every terminal status is a run status, and the statuses before them are not terminal", () => {
    for (const status of TERMINAL_RUN_STATUSES) expect(STRUCTURE_RUN_STATUSES).toContain(status);
    expect(STRUCTURE_RUN_STATUSES.filter((s) => !isTerminalStatus(s))).toEqual(["QUEUED", "STARTING", "RUNNING"]);
  });

  it("a SYSTEM StructureRunCompleted or StructureRunError, and nothing else", () => {
    const types = ["StructureRunStarting", "StructureRunRunning", "StructureRunCompleted", "StructureRunError"];
    expect(types.filter((type) => isTerminalEvent({ origin: "SYSTEM", type }))).toEqual([
      "StructureRunCompleted",
      "StructureRunError",
    ]);
    // A USER event of the same name (any type is allowed for a custom event) ends nothing.
    expect(isTerminalEvent({ origin: "USER", type: "StructureRunCompleted" })).toBe(false);
  });
});
