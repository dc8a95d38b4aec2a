import { benchPublish } from "./publish.bench.js";

const results: Record<string, boolean> = {};
results.publish = benchPublish();
process.stdout.write(
  `\n${Object.entries(results)
    .map(([k, v]) => `${k}: ${v ? "target met" : "target missed"}`)
    .join("\n")}\n`,
);
