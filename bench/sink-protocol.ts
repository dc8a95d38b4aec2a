/** Messages between the benchmark parent and bench/sink-server.ts, and the clock both sides share. */

/** Parent → sink. */
export type SinkCommand =
  | { cmd: "expect"; id: string; n: number }
  | { cmd: "count"; id: string }
  | { cmd: "latencies"; id: string };
/** Sink → parent. */
export type SinkMessage =
  | { type: "ready"; port: number }
  | { type: "done"; id: string; count: number; at: number }
  | { type: "count"; id: string; count: number; errors: string[] }
  /** Publish-to-arrival milliseconds of every event that arrived under `/l/<id>/`, in arrival order. */
  | { type: "latencies"; id: string; latencies: number[] };

/** Wall-clock milliseconds with sub-millisecond resolution; comparable between processes on one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Milliseconds on the machine's monotonic clock (CLOCK_MONOTONIC on Linux, which `process.hrtime` reads): one
 * clock for every process of the machine, unlike `performance.timeOrigin`, which each process sets from the wall
 * clock at its start. Microsecond resolution. The latency benchmark stamps events with it and the sink compares.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}
