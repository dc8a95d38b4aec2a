/**
 * A structure that says, as its process exits, how long its end took (from the entry's return to the exit) and the
 * slowest request its driver made: test/run/run-structure-delivery.test.ts bounds the first by the second.
 */
import diagnosticsChannel from "node:diagnostics_channel";
import { writeSync } from "node:fs";
import { DIAGNOSTICS_CHANNELS, type RequestDiagnostic, runStructure } from "../../../src/index.js";

let slowestMs = 0;
diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.request, (message) => {
  slowestMs = Math.max(slowestMs, (message as RequestDiagnostic).durationMs);
});
let returnedAt: number | undefined;
process.on("exit", () => {
  const endMs = returnedAt === undefined ? null : performance.now() - returnedAt;
  writeSync(1, `${JSON.stringify({ endMs, slowestMs })}\n`);
});

await runStructure(() => {
  returnedAt = performance.now();
  return "hello";
});
