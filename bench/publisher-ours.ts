import { EventBus, EventListener, GriptapeCloudEventListenerDriver } from "../src/index.js";
import { runPublisher, tokenOf } from "./publisher-harness.js";

// Ours: the bus serialises each event once; the driver batches adaptively and POSTs one batch at a time.
await runPublisher((config) => {
  const { url, batch, structureRunId, apiKey } = config;
  const driver = new GriptapeCloudEventListenerDriver({
    baseUrl: url,
    apiKey: apiKey ?? "bench-dummy-key",
    structureRunId: structureRunId ?? "bench",
    env: {},
    maxBatchEvents: batch,
    // Every event must arrive, as with the floor, which has no cap: a slower receiver must not turn into drops.
    maxQueueEvents: config.n,
    maxQueueBytes: 1024 * 1024 * 1024,
  });
  const bus = new EventBus();
  bus.addEventListener(new EventListener({ driver }));
  return {
    publish(i) {
      bus.publishEvent({ type: "TextChunkEvent", index: i, token: tokenOf(i) });
    },
    async finish() {
      await bus.flush();
    },
    async close() {
      await bus.shutdown({ timeoutMs: 2000 });
    },
    notes() {
      const { sent, dropped, failed, requests, retries } = driver.stats();
      return `sent=${sent} dropped=${dropped} failed=${failed} requests=${requests} retries=${retries}`;
    },
  };
});
