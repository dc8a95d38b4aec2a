// Preloaded (`node --import`) into every cold-start child, the bare one included, so that all pay the same for it:
// at exit, the process's own CPU time and peak RSS, as one marked line on stdout for the parent.
import { writeSync } from "node:fs";

process.on("exit", () => {
  const { userCPUTime, systemCPUTime, maxRSS } = process.resourceUsage();
  writeSync(1, `\n@@usage ${JSON.stringify({ cpuUs: userCPUTime + systemCPUTime, maxRssKiB: maxRSS })}\n`);
});
