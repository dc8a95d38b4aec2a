import { benchAdapters } from "./adapters.bench.js";
import { killChildren } from "./children.js";
import { benchDelivery } from "./delivery.bench.js";
import { benchExitLatency } from "./exit-latency.bench.js";
import { benchIngest } from "./ingest.bench.js";
import { benchMemory } from "./memory.bench.js";
import { benchPublish } from "./publish.bench.js";

const results: Record<string, boolean> = {};
try {
  results.publish = benchPublish();
  results.adapters = await benchAdapters();
  results.delivery = await benchDelivery();
  results.ingest = await benchIngest();
  results.memory = await benchMemory();
  results.exit = await benchExitLatency();
} finally {
  // Every child (sink, publishers) is gone before the summary, even when a benchmark threw.
  killChildren();
}
process.stdout.write(
  `\n${Object.entries(results)
    .map(([k, v]) => `${k}: ${v ? "target met" : "target missed"}`)
    .join("\n")}\n`,
);
