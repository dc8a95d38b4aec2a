/** Messages between the benchmark parent and bench/sink-server.ts, and the clock both sides share. */

/** Parent → sink. */
export type SinkCommand = { cmd: "expect"; id: string; n: number } | { cmd: "count"; id: string };
/** Sink → parent. */
export type SinkMessage =
  | { type: "ready"; port: number }
  | { type: "done"; id: string; count: number; at: number }
  | { type: "count"; id: string; count: number; errors: string[] };

/** Wall-clock milliseconds with sub-millisecond resolution; comparable between processes on one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
