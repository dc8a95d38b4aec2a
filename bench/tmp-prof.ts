import { EventBus, EventListener, GriptapeCloudEventListenerDriver } from "../src/index.js";
const TOKENS = ["Hel", "lo", ", wor", "ld", "! How", " can I", " help", " you today?"];
const driver = new GriptapeCloudEventListenerDriver({ baseUrl: "http://127.0.0.1:39123", apiKey: "k", structureRunId: "bench", env: {}, maxBatchEvents: 500 });
const bus = new EventBus(); bus.addEventListener(new EventListener({ driver }));
for (let round = 0; round < 5; round++) {
  const t = performance.now();
  let i = 0;
  await new Promise<void>((resolve) => {
    const burst = () => { for (let k = 0; k < 1000; k++, i++) bus.publishEvent({ type: "TextChunkEvent", index: i, token: TOKENS[i & 7]! }); if (i < 100000) setImmediate(burst); else resolve(); };
    burst();
  });
  await bus.flush();
  console.log("round", round, ((performance.now() - t)).toFixed(0), "ms");
}
await bus.shutdown();
