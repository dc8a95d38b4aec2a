// The memory scenario's child. Plain JavaScript run by plain `node` against the built package (dist/, through
// the package's own name), so that neither the tsx loader nor TypeScript's transform counts in its RSS.
//
// argv[2] (JSON): { mode: "idle" | "stress", url, durationMs, rate, maxQueueBytes }
// - idle: the same imports and objects, nothing published: the baseline RSS.
// - stress: publishes `rate` events/s (paced in setImmediate bursts) for `durationMs` into a driver whose
//   endpoint answers 503 to everything, so the queue fills to its byte cap and the rest is dropped.
// Reports over IPC: { maxRss, atMax (process.memoryUsage() at the max), startRss, published, elapsedMs, stats, shutdown }.
import { EventBus, EventListener, GriptapeCloudEventListenerDriver } from "structure-run-events";

const TOKENS = ["Hel", "lo", ", wor", "ld", "! How", " can I", " help", " you today?"];
/** Events per macrotask at most: the sampler and the driver's I/O must get turns even if we fall behind. */
const MAX_PER_TICK = 20_000;

const config = JSON.parse(process.argv[2] ?? "{}");
const driver = new GriptapeCloudEventListenerDriver({
  baseUrl: config.url,
  apiKey: "bench-dummy-key",
  structureRunId: "bench",
  env: {},
  maxQueueBytes: config.maxQueueBytes,
  // Large, so that bytes are the binding cap.
  maxQueueEvents: 100_000_000,
});
const bus = new EventBus();
bus.addEventListener(new EventListener({ driver }));

const startRss = process.memoryUsage().rss;
let maxRss = startRss;
let atMax = process.memoryUsage();
const sample = () => {
  const usage = process.memoryUsage();
  if (usage.rss > maxRss) {
    maxRss = usage.rss;
    atMax = usage;
  }
};
const sampler = setInterval(sample, 100);

const start = performance.now();
let published = 0;
await new Promise((resolve) => {
  const tick = () => {
    const elapsed = performance.now() - start;
    if (elapsed >= config.durationMs) {
      resolve();
      return;
    }
    if (config.mode === "stress") {
      const due = Math.min(Math.floor((elapsed * config.rate) / 1000) - published, MAX_PER_TICK);
      for (let k = 0; k < due; k++) {
        bus.publishEvent({ type: "TextChunkEvent", index: published, token: TOKENS[published & 7] });
        published++;
      }
      setImmediate(tick);
    } else setTimeout(tick, 50);
  };
  tick();
});
const elapsedMs = performance.now() - start;
clearInterval(sampler);
sample();
const stats = driver.stats();
const shutdownStarted = performance.now();
// The driver's timers are all unref'd: during an outage nothing else holds the event loop, and without this
// ref'd timer the process would end with "unsettled top-level await" (exit 13) instead of resolving shutdown.
const keepAlive = setTimeout(() => {}, 10_000);
const shutdown = await driver.shutdown({ timeoutMs: 500 });
clearTimeout(keepAlive);
const shutdownMs = performance.now() - shutdownStarted;
process.send?.({ maxRss, atMax, startRss, published, elapsedMs, stats, shutdown, shutdownMs }, () => process.exit(0));
