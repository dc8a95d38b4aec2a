import { benchAdapters } from "./adapters.bench.js";
import { killChildren } from "./children.js";
import { benchColdStart } from "./cold-start.bench.js";
import { benchDelivery } from "./delivery.bench.js";
import { benchExitLatency } from "./exit-latency.bench.js";
import { benchIngest } from "./ingest.bench.js";
import { benchLatency } from "./latency.bench.js";
import { benchMemory } from "./memory.bench.js";
import { benchPublish } from "./publish.bench.js";

const BENCHMARKS: Record<string, () => boolean | Promise<boolean>> = {
  publish: benchPublish,
  "cold-start": benchColdStart,
  latency: benchLatency,
  adapters: benchAdapters,
  delivery: benchDelivery,
  ingest: benchIngest,
  memory: benchMemory,
  exit: benchExitLatency,
};

// `npm run bench` runs them all; `npm run bench -- cold-start latency` only those named.
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(", ")}; known: ${Object.keys(BENCHMARKS).join(", ")}\n`);
  process.exit(2);
}
const results: Record<string, boolean> = {};
try {
  for (const [name, bench] of Object.entries(BENCHMARKS)) {
    if (wanted.length === 0 || wanted.includes(name)) results[name] = await bench();
  }
} finally {
  // Every child (sink, publishers) is gone before the summary, even when a benchmark threw.
  killChildren();
}
process.stdout.write(
  `\n${Object.entries(results)
    .map(([k, v]) => `${k}: ${v ? "target met" : "target missed"}`)
    .join("\n")}\n`,
);
