// An Events API emulator alone in a child process, so a test can measure that process's memory. Prints
// "READY <url> <master key> <run id> <run key>" once listening; on the line "report" on stdin prints
// "PEAK_RSS <bytes>" (the process's peak resident set size) and exits; on the line "held" collects garbage and
// prints "HELD <bytes>": the JS heap in use plus memory outside it (buffers), what the process holds on to now.
// (RSS is no measure of that: V8 keeps pages it has freed, on Node 24 tens of MiB after a burst of writes.)
import { createInterface } from "node:readline";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { EventsApiEmulator } from "../../src/local.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

// MAX_BODY_BYTES: a larger body limit, for a run whose output is larger than loopback's kernel buffers.
const maxBodyBytes = process.env.MAX_BODY_BYTES === undefined ? undefined : Number(process.env.MAX_BODY_BYTES);
const emulator = new EventsApiEmulator(maxBodyBytes === undefined ? {} : { maxBodyBytes });
await emulator.start();
const run = emulator.createRun();
process.stdout.write(`READY ${emulator.url} ${emulator.apiKey} ${run.structure_run_id} ${run.apiKey}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "held") {
    gc();
    const { heapUsed, external } = process.memoryUsage();
    process.stdout.write(`HELD ${heapUsed + external}\n`);
  }
  if (line.trim() === "report") {
    process.stdout.write(`PEAK_RSS ${process.resourceUsage().maxRSS * 1024}\n`);
    await emulator.close();
    process.exit(0);
  }
}
