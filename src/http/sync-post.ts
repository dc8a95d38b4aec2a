import { spawnSync } from "node:child_process";
import { boundDelay } from "../delays.js";
import type { SyncSendResult } from "./batch-sender.js";
import { classifyStatus } from "./retry-policy.js";

/** Where and how to POST, for a synchronous delivery at process exit. */
export interface SyncPostTarget {
  url: string;
  headers: Record<string, string>;
}

// The statuses worth another quick try, from the one retry policy, handed to the worker with its input.
const RETRYABLE_STATUSES = Array.from({ length: 500 }, (_, i) => i + 100).filter((s) => classifyStatus(s) === "retry");

// Runs in a separate Node process so that the parent, inside a process 'exit' handler where its own event loop
// will never turn again, can still make HTTP requests: spawnSync blocks until this child is done.
// It reads {url, headers, bodies, deadline, retryable} from stdin, so the key is in neither its argv nor its
// environment; POSTs the bodies in order with a few quick retries; stops at the deadline; never reads an answer's
// body (only its status: an error body could be huge); and prints {acknowledged, failure, code, status} as JSON.
// node:http, like the driver, rather than fetch: fetch refuses "bad ports" (9, 6000, …) that node:http accepts.
const WORKER = `// structure-run-events: synchronous delivery at process exit
const http = require("node:http");
const https = require("node:https");
function post(url, headers, body, ms) {
  return new Promise((resolve) => {
    const target = new URL(url);
    const transport = target.protocol === "https:" ? https : http;
    let settled = false;
    const done = (result) => { if (!settled) { settled = true; clearTimeout(timer); resolve(result); } };
    const req = transport.request(target, { method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      done({ status: res.statusCode });
      res.destroy();
    });
    const timer = setTimeout(() => { done({ code: "deadline" }); req.destroy(); }, ms);
    req.on("error", (error) => done({ code: (error && error.code) || "network error", message: String(error && error.message) }));
    req.end(body);
  });
}
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", async () => {
  const { url, headers, bodies, deadline, retryable } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  let acknowledged = 0;
  let last = { code: "deadline" };
  for (const body of bodies) {
    let done = false;
    last = { code: "deadline" };
    for (let attempt = 0; attempt < 4 && !done; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const result = await post(url, headers, body, left);
      if (result.status >= 200 && result.status < 300) { acknowledged++; done = true; break; }
      last = result;
      if (result.status !== undefined && !retryable.includes(result.status)) break;
      await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, Math.max(0, deadline - Date.now()))));
    }
    if (!done) break;
  }
  const out = { acknowledged };
  if (acknowledged < bodies.length) {
    if (last.status !== undefined) { out.status = last.status; out.failure = "HTTP " + last.status; }
    // The code said once: Node's messages often hold it already ("connect ECONNREFUSED 127.0.0.1:9").
    else { out.code = last.code; out.failure = !last.message ? last.code : last.message.includes(last.code) ? last.message : last.code + ": " + last.message; }
  }
  process.stdout.write(JSON.stringify(out), () => process.exit(0));
});
`;

/**
 * POSTs `bodies` in order and blocks until they are acknowledged or `timeoutMs` passes. Stops at the first it
 * cannot deliver, to keep order; says how many were acknowledged and why the next was not.
 */
export function postSync(target: SyncPostTarget, bodies: readonly string[], timeoutMs: number): SyncSendResult {
  if (bodies.length === 0) return { acknowledged: 0 };
  const waitMs = boundDelay(timeoutMs);
  const input = JSON.stringify({ ...target, bodies, deadline: Date.now() + waitMs, retryable: RETRYABLE_STATUSES });
  const result = spawnSync(process.execPath, ["-e", WORKER], {
    input,
    encoding: "utf8",
    env: workerEnv(process.env),
    // The worker stops itself at the deadline; this margin only covers its start-up.
    timeout: waitMs + 2000,
    killSignal: "SIGKILL",
    stdio: ["pipe", "pipe", "ignore"],
    windowsHide: true,
  });
  return parseResult(result.stdout, bodies.length, result.error);
}

/**
 * Only what the worker's connections need: the parent's environment holds GT_CLOUD_API_KEY (readable in
 * /proc/<pid>/environ) and NODE_OPTIONS could load the parent's hooks into the worker. The TLS and proxy settings
 * are kept so the worker reaches the API the way the parent does; SYSTEMROOT is what Windows needs for sockets.
 */
const WORKER_ENV = [
  "SYSTEMROOT",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "NODE_TLS_REJECT_UNAUTHORIZED",
  "NODE_USE_ENV_PROXY",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
];

export function workerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const name of WORKER_ENV) if (typeof env[name] === "string") out[name] = env[name];
  return out;
}

function parseResult(stdout: string | null, count: number, spawnError: Error | undefined): SyncSendResult {
  try {
    const parsed = JSON.parse(stdout ?? "") as Partial<SyncSendResult>;
    const acknowledged = Number.isInteger(parsed.acknowledged) ? Math.min(Math.max(0, parsed.acknowledged!), count) : 0;
    if (acknowledged === count) return { acknowledged };
    return {
      acknowledged,
      failure: typeof parsed.failure === "string" ? parsed.failure.slice(0, 200) : "deadline",
      ...(Number.isInteger(parsed.status) ? { status: parsed.status } : {}),
      ...(typeof parsed.code === "string" ? { code: parsed.code.slice(0, 100) } : {}),
    };
  } catch {
    const why = spawnError === undefined ? "deadline" : `the delivery process did not run (${spawnError.message})`;
    return { acknowledged: 0, failure: why };
  }
}
