import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import type { DeliveryReport, DriverStats } from "../src/index.js";
import { forkChild, ROOT } from "./children.js";
import { printTable } from "./measure.js";
import { startSink } from "./sink.js";

/**
 * Issue 3's memory target: during an outage (every POST answers 503) a producer publishing far faster than
 * anything drains stays under its queue's byte cap plus 64 MiB of RSS. The child runs on plain `node` against
 * the built package; an idle child with the same imports gives the baseline.
 */

const MIB = 1024 * 1024;
const CAP_BYTES = 16 * MIB;
const HEADROOM_BYTES = 64 * MIB;
const RATE = 200_000;
const DURATION_MS = 10_000;
const IDLE_MS = 2_000;

interface MemoryResult {
  maxRss: number;
  /** process.memoryUsage() when RSS peaked. */
  atMax: NodeJS.MemoryUsage;
  startRss: number;
  published: number;
  elapsedMs: number;
  stats: DriverStats;
  shutdown: DeliveryReport;
  shutdownMs: number;
}

export async function benchMemory(): Promise<boolean> {
  const build = await buildPackage();
  if (!build.ok) {
    process.stdout.write(`\n## Memory under outage\nnot measured: ${build.message}\n`);
    return false;
  }
  const sink = await startSink();
  let idle: MemoryResult | string;
  let stress: MemoryResult | string;
  try {
    idle = await runChild({
      mode: "idle",
      url: sink.outageUrl,
      durationMs: IDLE_MS,
      rate: 0,
      maxQueueBytes: CAP_BYTES,
    });
    stress = await runChild({
      mode: "stress",
      url: sink.outageUrl,
      durationMs: DURATION_MS,
      rate: RATE,
      maxQueueBytes: CAP_BYTES,
    });
  } finally {
    await sink.close();
  }
  const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;
  const limit = CAP_BYTES + HEADROOM_BYTES;
  const title = `Memory under outage (sink answers 503), plain node on dist/, ${RATE} events/s target for ${DURATION_MS / 1000} s`;
  if (typeof stress === "string" || typeof idle === "string") {
    process.stdout.write(`\n## ${title}\n`);
    if (typeof idle === "string") process.stdout.write(`idle baseline not measured: ${idle}\n`);
    if (typeof stress === "string") process.stdout.write(`stress not measured: ${stress}\n`);
    return false;
  }
  const met = stress.maxRss < limit;
  const { stats, shutdown } = stress;
  printTable(title, [
    ["measure", "value"],
    ["idle baseline max RSS (same imports, nothing published)", mib(idle.maxRss)],
    ["max RSS while publishing", mib(stress.maxRss)],
    ["  of which above the idle baseline", mib(stress.maxRss - idle.maxRss)],
    [
      "  V8 heap used / total at that moment (idle)",
      `${mib(stress.atMax.heapUsed)} / ${mib(stress.atMax.heapTotal)} (${mib(idle.atMax.heapUsed)} / ${mib(idle.atMax.heapTotal)})`,
    ],
    ["configured cap (maxQueueBytes)", mib(CAP_BYTES)],
    ["cap + 64 MiB", mib(limit)],
    [
      "events published",
      `${stress.published} (${Math.round(stress.published / (stress.elapsedMs / 1000))}/s achieved)`,
    ],
    ["dropped (driver.stats())", stats.dropped],
    ["queued at the end", `${stats.queuedEvents} events, ${mib(stats.queuedBytes)}`],
    ["requests / retries during the outage", `${stats.requests} / ${stats.retries}`],
    [
      "shutdown({timeoutMs: 500})",
      `${stress.shutdownMs.toFixed(0)} ms; sent=${shutdown.sent} failed=${shutdown.failed} dropped=${shutdown.dropped} pending=${shutdown.pending}`,
    ],
    ["max RSS < cap + 64 MiB", met ? "met" : "MISSED"],
    // Context, not the verdict: the idle process alone is most of the allowance.
    ["(context) growth above idle < cap + 64 MiB", stress.maxRss - idle.maxRss < limit ? "yes" : "no"],
  ]);
  return met;
}

async function runChild(config: {
  mode: "idle" | "stress";
  url: string;
  durationMs: number;
  rate: number;
  maxQueueBytes: number;
}): Promise<MemoryResult | string> {
  const child = forkChild<MemoryResult>("bench/memory-publisher.mjs", { tsx: false, args: [JSON.stringify(config)] });
  const result = await child.waitFor(() => true, config.durationMs + 15_000);
  const { code, signal, stderr } = await child.exited(5000);
  if (result !== undefined) return result;
  return `child exited (code ${code}, signal ${signal}) without a result: ${stderr.trim().split("\n").slice(-3).join(" | ")}`;
}

/**
 * `tsc -p tsconfig.build.json` into dist/. tsc emits even when it reports type errors elsewhere in src/,
 * so a failing exit code is reported but only a missing or stale dist/index.js stops the scenario.
 */
async function buildPackage(): Promise<{ ok: true } | { ok: false; message: string }> {
  const started = Date.now();
  const outcome = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      "npx",
      ["tsc", "-p", "tsconfig.build.json"],
      { cwd: ROOT, timeout: 120_000, maxBuffer: 16 * MIB },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
  let builtAt = 0;
  try {
    builtAt = statSync(join(ROOT, "dist", "index.js")).mtimeMs;
  } catch {
    // Missing: reported below.
  }
  const errors = outcome.output
    .split("\n")
    .filter((line) => /error TS\d+/.test(line))
    .slice(0, 3);
  if (builtAt < started - 1000) {
    return { ok: false, message: `tsc -p tsconfig.build.json did not produce dist/index.js: ${errors.join(" | ")}` };
  }
  if (outcome.code !== 0) {
    process.stdout.write(
      `\n(note: tsc -p tsconfig.build.json exited ${outcome.code} but emitted dist/; first errors: ${errors.join(" | ") || "none printed"})\n`,
    );
  }
  return { ok: true };
}
