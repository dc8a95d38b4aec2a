// An Events API emulator alone in a child process, so a test can measure that process's memory. Prints
// "READY <url> <master key> <run id> <run key>" once listening; on the line "report" on stdin prints
// "PEAK_RSS <bytes>" (the process's peak resident set size) and exits; on the line "rss" prints "RSS <bytes>",
// its resident set size now.
import { createInterface } from "node:readline";
import { EventsApiEmulator } from "../../src/local.js";

const emulator = new EventsApiEmulator();
await emulator.start();
const run = emulator.createRun();
process.stdout.write(`READY ${emulator.url} ${emulator.apiKey} ${run.structure_run_id} ${run.apiKey}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "rss") process.stdout.write(`RSS ${process.memoryUsage.rss()}\n`);
  if (line.trim() === "report") {
    process.stdout.write(`PEAK_RSS ${process.resourceUsage().maxRSS * 1024}\n`);
    await emulator.close();
    process.exit(0);
  }
}
