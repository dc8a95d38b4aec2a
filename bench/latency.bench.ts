import { forkChild } from "./children.js";
import { median, printTable } from "./measure.js";
import { type Sink, startSink } from "./sink.js";

/**
 * Issue 11's latency target: a producer publishing 200 events/s for a few seconds with default settings; from each
 * publish to its arrival at a loopback sink (another process), p50 and p99. Ours (bus + Cloud driver) beside
 * OpenTelemetry's BatchLogRecordProcessor + OTLP/HTTP exporter and posthog-node, each with its own defaults. Target:
 * our p99 <= 5 ms. Each client runs in its own process on plain `node` (ours on the built package); rounds alternate
 * between clients; the figures are medians of the rounds' percentiles. Times are taken on the machine's monotonic
 * clock, which the producer and the sink share (bench/sink-protocol.ts).
 */

const RATE = 200;
const DURATION_MS = envInt("BENCH_LATENCY_MS", 5_000);
const ROUNDS = envInt("BENCH_LATENCY_ROUNDS", 3);
const TARGET_P99_MS = 5;

const CLIENTS = [
  { key: "ours", label: "ours: EventBus + GriptapeCloud driver", file: "bench/latency/ours.mjs" },
  { key: "otel", label: "OpenTelemetry BatchLogRecordProcessor + OTLP/HTTP", file: "bench/latency/otel.mjs" },
  { key: "posthog", label: "posthog-node capture()", file: "bench/latency/posthog.mjs" },
] as const;

interface Round {
  p50: number;
  p99: number;
  max: number;
  count: number;
}

export async function benchLatency(): Promise<boolean> {
  const sink = await startSink();
  const rounds = new Map<string, Round[]>(CLIENTS.map((c) => [c.key, []]));
  const failures: string[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const client of CLIENTS) {
        const outcome = await runRound(sink, client.key, client.file, round);
        if (typeof outcome === "string") failures.push(`${client.label}: ${outcome}`);
        else rounds.get(client.key)!.push(outcome);
      }
    }
  } finally {
    await sink.close();
  }
  const n = Math.round((RATE * DURATION_MS) / 1000);
  const rows: (string | number)[][] = [["client", "p50 ms", "p99 ms", "max ms", "p99 per round", "events"]];
  const summary = new Map<string, { p50: number; p99: number }>();
  for (const client of CLIENTS) {
    const list = rounds.get(client.key)!;
    if (list.length === 0) {
      rows.push([client.label, "n/a", "n/a", "n/a", "", 0]);
      continue;
    }
    const s = { p50: median(list.map((r) => r.p50)), p99: median(list.map((r) => r.p99)) };
    summary.set(client.key, s);
    rows.push([
      client.label,
      fmt(s.p50),
      fmt(s.p99),
      fmt(median(list.map((r) => r.max))),
      list.map((r) => fmt(r.p99)).join(" "),
      `${list.map((r) => r.count).join("+")}`,
    ]);
  }
  printTable(
    `Latency, publish to arrival at a loopback sink: ${RATE} events/s for ${DURATION_MS / 1000} s (${n} events), default settings, medians of ${ROUNDS} alternating rounds`,
    rows,
  );
  const ours = summary.get("ours");
  const ok = failures.length === 0 && ours !== undefined && ours.p99 <= TARGET_P99_MS;
  const ratios: (string | number)[][] = [["measure", "value", "target", "result"]];
  ratios.push([
    "ours p99",
    ours === undefined ? "n/a" : `${fmt(ours.p99)} ms`,
    `<= ${TARGET_P99_MS} ms`,
    ok ? "met" : "MISSED",
  ]);
  for (const key of ["otel", "posthog"]) {
    const other = summary.get(key);
    if (ours !== undefined && other !== undefined) {
      ratios.push([`${key} p50 / ours p50`, `${(other.p50 / ours.p50).toFixed(0)}x`, "", ""]);
    }
  }
  printTable("Latency target", ratios);
  for (const failure of failures.slice(0, 5)) process.stdout.write(`  failed round: ${failure}\n`);
  return ok;
}

async function runRound(sink: Sink, key: string, file: string, round: number): Promise<Round | string> {
  const id = `latency-${key}-${round}`;
  const n = Math.round((RATE * DURATION_MS) / 1000);
  const arrived = sink.expect(id, n, DURATION_MS + 30_000);
  const child = forkChild<{ type: "result"; published: number }>(file, {
    tsx: false,
    args: [JSON.stringify({ url: sink.latencyUrl(id), rate: RATE, durationMs: DURATION_MS })],
  });
  const result = await child.waitFor((m) => m.type === "result", DURATION_MS + 30_000);
  const { stderr } = await child.exited(5_000);
  if (result === undefined) return `no result: ${stderr.trim().split("\n").slice(-2).join(" | ")}`;
  if ((await arrived) === undefined) return `the sink did not count ${n} events`;
  const latencies = (await sink.latencies(id)).sort((a, b) => a - b);
  if (latencies.length !== n) return `${latencies.length} latencies for ${n} events`;
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1)!,
    count: latencies.length,
  };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(0);
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : fallback;
}
