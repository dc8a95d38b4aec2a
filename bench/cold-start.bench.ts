import { spawn } from "node:child_process";
import { benchEnv, ROOT } from "./children.js";
import { median, printTable } from "./measure.js";
import { type Sink, startSink } from "./sink.js";

/**
 * Issue 11's cold-start target: a tiny structure's whole life (import the package root, publish one
 * TextChunkEvent, deliver it to a loopback server, exit) costs at most 1.5x what the same life costs with
 * OpenTelemetry's logs SDK + OTLP/HTTP exporter, in CPU time and in peak RSS above a bare `node`.
 * Whole processes on plain `node` against the built package (dist/), as a deployed structure runs; CPU and peak RSS
 * from `process.resourceUsage()` at exit (bench/cold-start/report-usage.mjs, preloaded into every child, the bare
 * one included); alternating rounds, medians. posthog-node beside them for scale. The sink, in its own process,
 * checks that each child's event arrived.
 */

const ROUNDS = envInt("BENCH_COLD_START_ROUNDS", 15);
const TARGET = 1.5;

interface Variant {
  key: string;
  label: string;
  file: string;
  /** Events the sink must count for the run to be valid. */
  events: number;
}

const VARIANTS: readonly Variant[] = [
  { key: "bare", label: "bare node (the baseline)", file: "bare.mjs", events: 0 },
  { key: "ours", label: "ours: root, EventBus + Cloud driver", file: "ours.mjs", events: 1 },
  { key: "run", label: "ours: root, runStructure (Start, chunk, Finish)", file: "ours-run-structure.mjs", events: 3 },
  { key: "otel", label: "OpenTelemetry logs SDK + OTLP/HTTP exporter", file: "otel.mjs", events: 1 },
  { key: "posthog", label: "posthog-node", file: "posthog.mjs", events: 1 },
];

interface Usage {
  cpuMs: number;
  rssMiB: number;
  wallMs: number;
}

export async function benchColdStart(): Promise<boolean> {
  const sink = await startSink();
  const samples = new Map<string, Usage[]>(VARIANTS.map((v) => [v.key, []]));
  const failures: string[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating: each round runs every variant once, so a noisy moment does not land on one of them only.
      for (const variant of VARIANTS) {
        const outcome = await runChild(sink, variant, round);
        if (typeof outcome === "string") failures.push(`${variant.label}: ${outcome}`);
        else samples.get(variant.key)!.push(outcome);
      }
    }
  } finally {
    await sink.close();
  }
  const m = new Map(
    VARIANTS.map((v) => {
      const list = samples.get(v.key)!;
      return [
        v.key,
        {
          cpuMs: median(list.map((s) => s.cpuMs)),
          rssMiB: median(list.map((s) => s.rssMiB)),
          wallMs: median(list.map((s) => s.wallMs)),
          runs: list.length,
        },
      ];
    }),
  );
  const bare = m.get("bare")!;
  const otel = m.get("otel")!;
  const aboveOtel = { cpu: otel.cpuMs - bare.cpuMs, rss: otel.rssMiB - bare.rssMiB };
  const rows: (string | number)[][] = [
    ["process", "CPU ms", "above bare", "vs OTel", "peak RSS MiB", "above bare", "vs OTel", "wall ms", "runs"],
  ];
  for (const variant of VARIANTS) {
    const v = m.get(variant.key)!;
    const cpu = v.cpuMs - bare.cpuMs;
    const rss = v.rssMiB - bare.rssMiB;
    const isBare = variant.key === "bare";
    rows.push([
      variant.label,
      v.cpuMs.toFixed(0),
      isBare ? "" : `+${cpu.toFixed(0)}`,
      isBare ? "" : `${(cpu / aboveOtel.cpu).toFixed(2)}x`,
      v.rssMiB.toFixed(1),
      isBare ? "" : `+${rss.toFixed(1)}`,
      isBare ? "" : `${(rss / aboveOtel.rss).toFixed(2)}x`,
      v.wallMs.toFixed(0),
      v.runs,
    ]);
  }
  printTable(
    `Cold start on Node ${process.version}: import, publish one event, deliver it to a loopback sink, exit (plain node on dist/, ${ROUNDS} alternating rounds, medians)`,
    rows,
  );
  let ok = failures.length === 0;
  const targetRows: (string | number)[][] = [["ratio (above bare node)", "value", "target", "result"]];
  for (const key of ["ours", "run"]) {
    const v = m.get(key)!;
    const label = VARIANTS.find((x) => x.key === key)!.label;
    for (const [what, mine, theirs] of [
      ["CPU", v.cpuMs - bare.cpuMs, aboveOtel.cpu],
      ["peak RSS", v.rssMiB - bare.rssMiB, aboveOtel.rss],
    ] as const) {
      const ratio = mine / theirs;
      const met = ratio <= TARGET;
      ok &&= met;
      targetRows.push([`${label} / OTel, ${what}`, `${ratio.toFixed(2)}x`, `<= ${TARGET}x`, met ? "met" : "MISSED"]);
    }
  }
  printTable("Cold-start targets", targetRows);
  for (const failure of failures.slice(0, 5)) process.stdout.write(`  failed run: ${failure}\n`);
  return ok;
}

/** One child, start to exit; its own figures, checked against what the sink received. */
async function runChild(sink: Sink, variant: Variant, round: number): Promise<Usage | string> {
  const id = `cold-${variant.key}-${round}`;
  const url = sink.clientUrl(id);
  const arrived = variant.events > 0 ? sink.expect(id, variant.events, 20_000) : Promise.resolve(undefined);
  const env = benchEnv({
    COLD_START_URL: url,
    GT_CLOUD_BASE_URL: url,
    GT_CLOUD_API_KEY: "bench-cold-start-key",
    GT_CLOUD_STRUCTURE_RUN_ID: id,
  });
  const started = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(
        process.execPath,
        ["--import", "./bench/cold-start/report-usage.mjs", `./bench/cold-start/${variant.file}`],
        { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      let err = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => {
        out += c;
      });
      child.stderr.setEncoding("utf8").on("data", (c: string) => {
        err = (err + c).slice(-2000);
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.on("error", reject);
      child.on("exit", (exitCode) => {
        clearTimeout(timer);
        resolve({ code: exitCode, stdout: out, stderr: err });
      });
    },
  );
  const wallMs = performance.now() - started;
  const line = /@@usage (\{.*\})/.exec(stdout)?.[1];
  if (code !== 0 || line === undefined) return `exit code ${code}: ${stderr.trim().split("\n").slice(-2).join(" | ")}`;
  if (variant.events > 0) {
    const done = await arrived;
    if (done === undefined) return `the sink did not receive ${variant.events} event(s)`;
  }
  const { cpuUs, maxRssKiB } = JSON.parse(line) as { cpuUs: number; maxRssKiB: number };
  return { cpuMs: cpuUs / 1000, rssMiB: maxRssKiB / 1024, wallMs };
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : fallback;
}
