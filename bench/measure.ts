/** Small timing helpers shared by the benchmarks: median of several rounds, warm-up first. */
export interface Timing {
  name: string;
  nsPerOp: number;
}

export function timeLoop(name: string, ops: number, fn: (i: number) => void, rounds = 7): Timing {
  for (let i = 0; i < Math.min(ops, 50_000); i++) fn(i);
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ops; i++) fn(i);
    samples.push(Number(process.hrtime.bigint() - start) / ops);
  }
  return { name, nsPerOp: median(samples) };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function printTable(title: string, rows: readonly (readonly (string | number)[])[]): void {
  process.stdout.write(`\n## ${title}\n`);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => String(row[c]).length)));
  for (const row of rows) {
    process.stdout.write(`${row.map((cell, c) => String(cell).padEnd(widths[c]!)).join("  ")}\n`);
  }
}
