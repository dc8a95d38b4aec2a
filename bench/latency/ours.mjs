// Ours with its defaults: the bus and the Cloud driver (no linger; a batch goes as soon as nothing is in flight).
import { EventBus, EventListener, GriptapeCloudEventListenerDriver } from "structure-run-events";
import { runLatencyClient } from "./harness.mjs";

await runLatencyClient(({ url }) => {
  const bus = new EventBus();
  const driver = new GriptapeCloudEventListenerDriver({ baseUrl: url, apiKey: "bench-latency", structureRunId: "lat" });
  bus.addEventListener(new EventListener({ driver }));
  return {
    publish: (i, sentAt) => bus.publishEvent({ type: "TextChunkEvent", index: i, token: String(sentAt) }),
    finish: () => bus.shutdown(),
  };
});
