/**
 * A real HTTP server on 127.0.0.1 that emulates the Griptape Cloud Events API POST route
 * (`POST {prefix}/api/structure-runs/{id}/events`, docs/wire-format.md) and injects faults, for delivery tests.
 *
 * Behaviour worth knowing:
 * - Faults apply only to requests whose path is the events route (any method); other paths answer 404 untouched.
 * - Precedence: outage mode (setDown) > queued faults > fault rate. Queued faults are not consumed while down,
 *   and the PRNG of setFaultRate is drawn only for requests that neither of the others decided.
 * - The request body is always read to its end before answering or resetting, so keep-alive connections stay usable
 *   and a client never sees EPIPE while still writing. Bytes beyond `maxBodyBytes` are counted, not buffered.
 * - `delay` and `hang` with `ms` wait, then process the request normally (auth, size, body, accept). The work is done
 *   even when the client gave up meanwhile, like a real server whose answer got lost; this is what lets a test
 *   produce an at-least-once duplicate. Such a request keeps status "hang" in `requests` if the answer could not be
 *   written. Timers still pending at `close()` are cancelled. Requests that arrived before `reset()` are still
 *   answered but record nothing after it.
 * - A `status` fault never records a batch, even with a 2xx status (that emulates a lost batch).
 * - Bodies are checked with the package's own `UserEventsPostBodySchema`, the one definition of what a POST holds
 *   (docs/wire-format.md), to catch driver bugs: each element an object with an object `payload` that has a
 *   `type`, a string `type` and a finite number `timestamp`. An empty array is accepted.
 * - `at` is `Date.now()` when the batch was accepted.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type UserEventEnvelope, UserEventsPostBodySchema } from "../../src/index.js";

export interface FaultServerOptions {
  /** Default "test-key"; requests without `Authorization: Bearer <apiKey>` get 401. */
  apiKey?: string;
  /** Bodies larger than this get 413 (default: Infinity). */
  maxBodyBytes?: number;
  /** Base URL path, e.g. "/p" so routes are "/p/api/structure-runs/:id/events"; default "". */
  pathPrefix?: string;
}

export type Fault =
  | { kind: "status"; status: number; retryAfter?: string; body?: string }
  | { kind: "reset" }
  | { kind: "hang"; ms?: number }
  | { kind: "delay"; ms: number };

export interface ReceivedBatch {
  runId: string;
  envelopes: UserEventEnvelope[];
  bytes: number;
  at: number;
}

export type RequestStatus = number | "reset" | "hang";

export interface ReceivedRequest {
  method: string;
  path: string;
  status: RequestStatus;
  bytes: number;
  headers: Record<string, string | string[] | undefined>;
  /** `Date.now()` when the request arrived (its headers were read). */
  at: number;
}

export interface FaultServer {
  /** Base URL, e.g. "http://127.0.0.1:PORT" + pathPrefix. */
  readonly url: string;
  /** Every accepted (202) POST, in arrival order. */
  readonly batches: ReceivedBatch[];
  /** Every request seen, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Payloads (envelope.payload) of accepted batches, in arrival order, flattened. */
  events(runId?: string): unknown[];
  /** Faults applied to the next requests to the route, one per request, FIFO. */
  queue(...faults: Fault[]): void;
  /** Each request, with probability `rate`, gets one of `faults` (deterministic PRNG from `seed`). */
  setFaultRate(rate: number, faults: Fault[], seed?: number): void;
  /** Outage mode: every request to the route gets `fault` (default a 503) until setDown(false). */
  setDown(down: boolean, fault?: Fault): void;
  /** Clears faults, batches and requests. */
  reset(): void;
  /** Closes the server and destroys every open socket, hanging ones included. */
  close(): Promise<void>;
}

const ROUTE_RE = /^\/api\/structure-runs\/([^/]+)\/events$/;
const MAX_PROBLEMS = 20;

/** mulberry32: tiny, fast and good enough to make fault sequences reproducible from a seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normalisePrefix(prefix: string): string {
  let p = prefix.trim();
  while (p.endsWith("/")) p = p.slice(0, -1);
  if (p !== "" && !p.startsWith("/")) p = `/${p}`;
  return p;
}

function validateFault(fault: Fault): Fault {
  switch (fault.kind) {
    case "status":
      if (!Number.isInteger(fault.status) || fault.status < 200 || fault.status > 599) {
        throw new RangeError(`fault status must be an integer in 200..599, got ${String(fault.status)}`);
      }
      return { ...fault };
    case "reset":
      return { ...fault };
    case "hang":
    case "delay":
      if (fault.ms !== undefined && !(Number.isFinite(fault.ms) && fault.ms >= 0)) {
        throw new RangeError(`fault ms must be a finite number >= 0, got ${String(fault.ms)}`);
      }
      return { ...fault };
    default: {
      const unknownFault: unknown = fault;
      throw new TypeError(`unknown fault: ${JSON.stringify(unknownFault)}`);
    }
  }
}

/** Returns the problems of a body, empty when it is a valid array of envelopes. */
function checkBody(text: string): { envelopes: UserEventEnvelope[]; problems: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { envelopes: [], problems: [`body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const checked = UserEventsPostBodySchema.safeParse(parsed);
  // What arrived, as it arrived (the schema's output would drop a key it does not know), once it passed.
  if (checked.success) return { envelopes: parsed as UserEventEnvelope[], problems: [] };
  const problems = checked.error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    return `${path === "" ? "body" : path}: ${issue.message}`;
  });
  return { envelopes: [], problems: problems.slice(0, MAX_PROBLEMS) };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

function canWrite(res: ServerResponse): boolean {
  return !res.headersSent && !res.destroyed && !res.socket?.destroyed;
}

interface Outcome {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Set only when the batch is accepted. */
  envelopes?: UserEventEnvelope[];
}

interface BodyResult {
  chunks: Buffer[];
  bytes: number;
  overLimit: boolean;
}

/** Reads the whole body; past `maxBytes` it keeps counting but stops buffering. Rejects if the client goes away. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const result: BodyResult = { chunks: [], bytes: 0, overLimit: false };
    req.on("data", (chunk: Buffer) => {
      result.bytes += chunk.length;
      if (result.bytes > maxBytes) {
        result.overLimit = true;
        result.chunks = [];
      } else {
        result.chunks.push(chunk);
      }
    });
    req.on("end", () => resolve(result));
    req.on("error", reject);
    req.on("close", () => {
      if (!req.complete) reject(new Error("client went away before the body ended"));
    });
  });
}

export function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const apiKey = options.apiKey ?? "test-key";
  const maxBodyBytes = options.maxBodyBytes ?? Number.POSITIVE_INFINITY;
  const prefix = normalisePrefix(options.pathPrefix ?? "");

  const batches: ReceivedBatch[] = [];
  const requests: ReceivedRequest[] = [];
  const queued: Fault[] = [];
  const sockets = new Set<Socket>();
  const timers = new Map<NodeJS.Timeout, (fired: boolean) => void>();
  let down: Fault | undefined;
  let rate: { rate: number; faults: Fault[]; random: () => number } | undefined;
  // Bumped by reset() so that requests still in progress from before it record nothing.
  let generation = 0;
  let closing: Promise<void> | undefined;

  function nextFault(): Fault | undefined {
    if (down) return down;
    const q = queued.shift();
    if (q) return q;
    if (rate && rate.rate > 0 && rate.faults.length > 0) {
      if (rate.random() < rate.rate) {
        return rate.faults[Math.floor(rate.random() * rate.faults.length)];
      }
    }
    return undefined;
  }

  function wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (closing) {
        resolve(false);
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve(true);
      }, ms);
      timers.set(timer, resolve);
    });
  }

  function authorised(record: ReceivedRequest): boolean {
    return record.headers.authorization === `Bearer ${apiKey}`;
  }

  /** What the real API answers once no fault applies: method, auth, size, body, accept, in that order. */
  function evaluate(record: ReceivedRequest, body: BodyResult): Outcome {
    if (record.method !== "POST") {
      return { status: 405, body: { error: `method ${record.method} not allowed` }, headers: { Allow: "POST" } };
    }
    if (!authorised(record)) {
      return {
        status: 401,
        body: { error: "missing or invalid bearer token" },
        headers: { "WWW-Authenticate": "Bearer" },
      };
    }
    if (body.overLimit) {
      return { status: 413, body: { error: `body of ${body.bytes} bytes exceeds the limit of ${maxBodyBytes} bytes` } };
    }
    const { envelopes, problems } = checkBody(Buffer.concat(body.chunks).toString("utf8"));
    if (problems.length > 0) return { status: 400, body: { error: "invalid body", problems } };
    return { status: 202, envelopes };
  }

  function answer(res: ServerResponse, record: ReceivedRequest, runId: string, body: BodyResult, gen: number): void {
    const outcome = evaluate(record, body);
    // Requests from before reset() are still answered but leave no trace in the cleared lists.
    if (outcome.envelopes && gen === generation) {
      batches.push({ runId, envelopes: outcome.envelopes, bytes: body.bytes, at: Date.now() });
    }
    // If the client gave up (e.g. its timeout fired during a delay), the work above is done anyway, like a real
    // server whose answer got lost, and the request keeps status "hang".
    if (!canWrite(res)) return;
    record.status = outcome.status;
    if (outcome.envelopes) {
      res.writeHead(202, { "Content-Length": 0 });
      res.end();
    } else {
      sendJson(res, outcome.status, outcome.body, outcome.headers);
    }
  }

  async function applyFault(
    fault: Fault,
    req: IncomingMessage,
    res: ServerResponse,
    record: ReceivedRequest,
    runId: string,
    body: BodyResult,
    gen: number,
  ): Promise<void> {
    switch (fault.kind) {
      case "status": {
        record.status = fault.status;
        if (!canWrite(res)) return;
        const headers: Record<string, string | number> = {};
        if (fault.retryAfter !== undefined) headers["Retry-After"] = fault.retryAfter;
        const noBody = fault.status === 204 || fault.status === 304;
        const text = noBody ? "" : (fault.body ?? JSON.stringify({ error: `injected fault: status ${fault.status}` }));
        if (!noBody) {
          let isJson = true;
          try {
            JSON.parse(text);
          } catch {
            isJson = false;
          }
          headers["Content-Type"] = isJson ? "application/json" : "text/plain; charset=utf-8";
        }
        headers["Content-Length"] = Buffer.byteLength(text);
        res.writeHead(fault.status, headers);
        res.end(text);
        return;
      }
      case "reset":
        record.status = "reset";
        // resetAndDestroy sends a TCP RST, so the client sees ECONNRESET rather than a clean EOF.
        req.socket.resetAndDestroy();
        return;
      case "hang":
        record.status = "hang";
        if (fault.ms === undefined) return;
        if (await wait(fault.ms)) answer(res, record, runId, body, gen);
        return;
      case "delay":
        record.status = "hang";
        if (await wait(fault.ms)) answer(res, record, runId, body, gen);
        return;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const gen = generation;
    const method = req.method ?? "GET";
    const rawPath = req.url ?? "/";
    const record: ReceivedRequest = {
      method,
      path: rawPath,
      status: "hang",
      bytes: 0,
      headers: { ...req.headers },
      at: Date.now(),
    };
    requests.push(record);

    const q = rawPath.indexOf("?");
    const pathname = q === -1 ? rawPath : rawPath.slice(0, q);
    const rest = prefix === "" ? pathname : pathname.startsWith(`${prefix}/`) ? pathname.slice(prefix.length) : null;
    const match = rest === null ? null : ROUTE_RE.exec(rest);
    const rawId = match?.[1];
    // A fault is chosen at arrival so that the FIFO order follows arrival order, not body completion order.
    const fault = rawId === undefined ? undefined : nextFault();

    let body: BodyResult;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch {
      return; // The client went away mid-body; nothing to answer.
    }
    record.bytes = body.bytes;

    if (rawId === undefined) {
      record.status = 404;
      sendJson(res, 404, { error: `no route for ${method} ${pathname}` });
      return;
    }
    let runId: string;
    try {
      runId = decodeURIComponent(rawId);
    } catch {
      record.status = 400;
      sendJson(res, 400, { error: "invalid percent-encoding in the structure run id", problems: [rawId] });
      return;
    }
    if (fault) {
      await applyFault(fault, req, res, record, runId, body, gen);
      return;
    }
    answer(res, record, runId, body, gen);
  }

  const server: Server = createServer((req, res) => {
    req.on("error", () => {});
    res.on("error", () => {});
    handle(req, res).catch((err: unknown) => {
      // Never crash the test process: report the bug to the client instead.
      if (canWrite(res)) sendJson(res, 500, { error: `fault server bug: ${String(err)}` });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  function close(): Promise<void> {
    if (!closing) {
      closing = new Promise<void>((resolve) => {
        for (const [t, resolveWait] of timers) {
          clearTimeout(t);
          resolveWait(false);
        }
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
        sockets.clear();
      });
    }
    return closing;
  }

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      const api: FaultServer = {
        url: `http://127.0.0.1:${port}${prefix}`,
        batches,
        requests,
        events(runId?: string): unknown[] {
          const out: unknown[] = [];
          for (const b of batches) {
            if (runId !== undefined && b.runId !== runId) continue;
            for (const env of b.envelopes) out.push(env.payload);
          }
          return out;
        },
        queue(...faults: Fault[]): void {
          queued.push(...faults.map(validateFault));
        },
        setFaultRate(r: number, faults: Fault[], seed = 1): void {
          if (!(Number.isFinite(r) && r >= 0 && r <= 1)) throw new RangeError(`rate must be in [0, 1], got ${r}`);
          if (r > 0 && faults.length === 0) throw new RangeError("setFaultRate needs at least one fault when rate > 0");
          rate = { rate: r, faults: faults.map(validateFault), random: mulberry32(seed) };
        },
        setDown(isDown: boolean, fault: Fault = { kind: "status", status: 503 }): void {
          down = isDown ? validateFault(fault) : undefined;
        },
        reset(): void {
          generation++;
          queued.length = 0;
          rate = undefined;
          down = undefined;
          batches.length = 0;
          requests.length = 0;
        },
        close,
      };
      resolve(api);
    });
  });
}
