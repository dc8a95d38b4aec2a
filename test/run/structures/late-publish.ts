/**
 * A structure that keeps the context's publishEvent and uses it after the run: from a timer the entry left behind
 * (it fires while the run delivers its end: the driver's shutdown waits for the timer to have fired), and from the
 * code awaiting the run, which gets its turn before the process exits.
 */
import { type DeliveryReport, MemoryEventListenerDriver, runStructure } from "../../../src/index.js";

let timerFired: () => void = () => {};
const fired = new Promise<void>((resolve) => {
  timerFired = resolve;
});

/** Shuts down only once the entry's timer has published: the late publish lands while the run is finishing. */
class SlowDriver extends MemoryEventListenerDriver {
  override async shutdown(): Promise<DeliveryReport> {
    await fired;
    const report = await super.shutdown();
    process.stderr.write(`driver got: ${this.events.map((e) => e.type).join(",")}\n`);
    return report;
  }
}

let publish: ((event: { type: string; token: string; index: number }) => unknown) | undefined;
const result = await runStructure(
  ({ publishEvent }) => {
    publish = publishEvent as typeof publish;
    setTimeout(() => {
      publishEvent({ type: "TextChunkEvent", token: "from a timer", index: 1 });
      timerFired();
    }, 5);
    return "ok";
  },
  { driver: new SlowDriver() },
);
publish?.({ type: "CustomAfterRun", token: "after the run", index: 2 });
process.stderr.write(`report: ${JSON.stringify(result.report)}\n`);
