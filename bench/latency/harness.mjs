// The latency benchmark's producer loop, shared by its children (plain node, the built package for ours).
// argv[2] (JSON): { url, rate, durationMs }. Publishes `rate` events/s for `durationMs`, each stamped with the
// moment it is published on the machine's monotonic clock, lets the client deliver everything (its own
// shutdown), then reports { type: "result", published } over IPC and exits.

/** The same clock as bench/sink-protocol.ts's monotonicMs: CLOCK_MONOTONIC, shared by every process. */
export function monotonicMs() {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

/**
 * @param {(config: { url: string }) => { publish(i: number, sentAt: number): void, finish(): Promise<unknown> }} make
 */
export async function runLatencyClient(make) {
  const config = JSON.parse(process.argv[2] ?? "{}");
  const client = await make(config);
  const n = Math.round((config.rate * config.durationMs) / 1000);
  const periodMs = 1000 / config.rate;
  const start = monotonicMs();
  let i = 0;
  await new Promise((resolve) => {
    // Event i is due at start + i * period; a late timer publishes what is due, one event at a time, as a producer
    // that fell behind would.
    const tick = () => {
      const due = Math.min(n, Math.floor((monotonicMs() - start) / periodMs) + 1);
      for (; i < due; i++) client.publish(i, monotonicMs());
      if (i >= n) resolve();
      else setTimeout(tick, Math.max(0, start + i * periodMs - monotonicMs()));
    };
    tick();
  });
  await client.finish();
  process.send?.({ type: "result", published: n }, () => process.exit(0));
}
