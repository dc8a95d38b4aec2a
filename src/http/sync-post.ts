import { spawnSync } from "node:child_process";

/** Where and how to POST, for a synchronous delivery at process exit. */
export interface SyncPostTarget {
  url: string;
  headers: Record<string, string>;
}

// Runs in a separate Node process so that the parent, inside a process 'exit' handler where its own event loop
// will never turn again, can still make HTTP requests: spawnSync blocks until this child is done.
// It reads {url, headers, bodies, deadline} from stdin (the key never appears in argv or env), POSTs the bodies
// in order with a few quick retries, stops at the deadline, and prints how many were acknowledged.
const WORKER = `
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", async () => {
  const { url, headers, bodies, deadline } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const retryable = (s) => s === 408 || s === 429 || (s >= 500 && s !== 501 && s !== 505);
  let acknowledged = 0;
  for (const body of bodies) {
    let done = false;
    for (let attempt = 0; attempt < 4 && !done; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      try {
        const res = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(left) });
        await res.arrayBuffer().catch(() => {});
        if (res.ok) { acknowledged++; done = true; }
        else if (!retryable(res.status)) break;
      } catch {}
      if (!done) await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, Math.max(0, deadline - Date.now()))));
    }
    if (!done) break;
  }
  process.stdout.write(String(acknowledged));
});
`;

/**
 * POSTs `bodies` in order and blocks until they are acknowledged or `timeoutMs` passes.
 * Returns how many were acknowledged (a prefix of `bodies`: it stops at the first it cannot deliver, to keep order).
 */
export function postSync(target: SyncPostTarget, bodies: readonly string[], timeoutMs: number): number {
  if (bodies.length === 0) return 0;
  const input = JSON.stringify({ ...target, bodies, deadline: Date.now() + timeoutMs });
  const result = spawnSync(process.execPath, ["-e", WORKER], {
    input,
    encoding: "utf8",
    // The worker stops itself at the deadline; this margin only covers its start-up.
    timeout: timeoutMs + 2000,
    killSignal: "SIGKILL",
    stdio: ["pipe", "pipe", "ignore"],
    windowsHide: true,
  });
  const acknowledged = Number.parseInt(result.stdout ?? "", 10);
  return Number.isNaN(acknowledged) ? 0 : Math.min(acknowledged, bodies.length);
}
