import { EventsApiEmulator } from "../src/local.js";

/**
 * The Events API emulator in its own process, for the ingest benchmark: one run, its URL and key over IPC;
 * answers {type: "count"} with how many events it stored. Ends when the parent disconnects.
 */
const emulator = new EventsApiEmulator();
await emulator.start();
const run = emulator.createRun({ args: [] });
process.on("message", (message: { type: string }) => {
  if (message.type === "count") process.send?.({ type: "count", count: emulator.events(run.structure_run_id).length });
});
process.on("disconnect", () => {
  void emulator.close().then(() => process.exit(0));
});
process.send?.({ type: "ready", url: emulator.url, runId: run.structure_run_id, apiKey: run.apiKey });
