import { forkChild } from "./children.js";
import { median, printTable } from "./measure.js";
import type { PublisherConfig, PublisherMessage } from "./publisher-harness.js";
import { startSink } from "./sink.js";

/**
 * Issue 5: the emulator's ingest rate, events/s accepted (stored, 202) from our driver, next to the same driver
 * sending to the bare sink (which only counts) in the same run. Each side in its own process.
 */
const N = 100_000;
const B = 500;
const ROUNDS = 3;

type EmulatorMessage = { type: "ready"; url: string; runId: string; apiKey: string } | { type: "count"; count: number };

export async function benchIngest(): Promise<boolean> {
  const emulator = forkChild<EmulatorMessage>("bench/emulator-server.ts", { tsx: true });
  const sink = await startSink();
  const toEmulator: number[] = [];
  const toSink: number[] = [];
  let stored = 0;
  try {
    const ready = await emulator.waitFor((m) => m.type === "ready", 20_000);
    if (ready?.type !== "ready") throw new Error("the emulator did not start");
    for (let round = 0; round < ROUNDS; round++) {
      toSink.push(await publish({ url: sink.clientUrl(`ingest-sink-${round}`), n: N, batch: B, burst: 1000 }));
      toEmulator.push(
        await publish({
          url: ready.url,
          n: N,
          batch: B,
          burst: 1000,
          structureRunId: ready.runId,
          apiKey: ready.apiKey,
        }),
      );
    }
    emulator.process.send({ type: "count" });
    const counted = await emulator.waitFor((m) => m.type === "count", 10_000);
    stored = counted?.type === "count" ? counted.count : 0;
  } finally {
    emulator.process.disconnect();
    await emulator.exited(5000);
    await sink.close();
  }
  const ingest = median(toEmulator);
  const baseline = median(toSink);
  const complete = stored === N * ROUNDS;
  printTable(`Emulator ingest: ${N} events from our driver, B=${B}, median of ${ROUNDS}`, [
    ["target", "events/s", "ratio"],
    ["driver -> bare sink (counts only)", Math.round(baseline), "1.00x"],
    ["driver -> Events API emulator (validates, stores)", Math.round(ingest), `${(ingest / baseline).toFixed(2)}x`],
    ["events stored by the emulator / published", `${stored} / ${N * ROUNDS}`, complete ? "complete" : "INCOMPLETE"],
  ]);
  return complete;
}

/** One publisher child; events/s from its first publish until its flush resolved (everything acknowledged). */
async function publish(config: PublisherConfig): Promise<number> {
  const child = forkChild<PublisherMessage>("bench/publisher-ours.ts", { tsx: true, args: [JSON.stringify(config)] });
  const result = await child.waitFor(() => true, 60_000);
  await child.exited(5000);
  if (result?.type !== "result")
    throw new Error(`publisher failed: ${result?.type === "error" ? result.message : "no result"}`);
  return config.n / ((result.finishedAt - result.startAt) / 1000);
}
