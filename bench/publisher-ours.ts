import { EventBus, EventListener, GriptapeCloudEventListenerDriver } from "../src/index.js";
import { runPublisher, tokenOf } from "./publisher-harness.js";

// Ours: the bus serialises each event once; the driver batches adaptively and POSTs one batch at a time.
await runPublisher(({ url, batch }) => {
  const driver = new GriptapeCloudEventListenerDriver({
    baseUrl: url,
    apiKey: "bench-dummy-key",
    structureRunId: "bench",
    env: {},
    maxBatchEvents: batch,
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
