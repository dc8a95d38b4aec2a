import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { monotonicMs, type SinkCommand, type SinkMessage, wallNow } from "./sink-protocol.js";

/**
 * The loopback sink of the delivery benchmarks, run in its own process (forked with IPC) so that its
 * parsing never competes with a publisher for the same event loop. It answers every POST with 202 once
 * the body is read and counted, except under `/outage/`, where it answers 503 (the memory scenario).
 *
 * Routes carry the client: `/c/<id>/…`. What it counts, by route:
 * - `…/batch/` (posthog-node): the length of `batch`;
 * - `…/v1/logs` (OTLP/HTTP, JSON or protobuf): the log records;
 * - anything else (our driver, the floor): the length of the JSON array.
 *
 * Under `/l/<id>/…` (the latency benchmark) each event also carries the moment it was published, on the shared
 * monotonic clock (`monotonicMs`): our TextChunkEvent in its `token`, an OTLP log record in its `sentAt` attribute,
 * a posthog event in its `sentAt` property. The sink keeps arrival minus that, per event, the arrival being when
 * the request's body has been read.
 *
 * IPC: the parent sends `{ cmd: "expect", id, n }`; the sink answers `{ type: "done", id, count, at }` when
 * `n` events of `id` have arrived (`at`: wall-clock ms, comparable across processes), and
 * `{ type: "count", id, count, errors }` to `{ cmd: "count", id }`, `{ type: "latencies", id, latencies }` to
 * `{ cmd: "latencies", id }`.
 */

const counts = new Map<string, number>();
const expected = new Map<string, number>();
const errors = new Map<string, string[]>();
const latencies = new Map<string, number[]>();

function send(message: SinkMessage): void {
  process.send?.(message);
}

function record(id: string, events: number): void {
  const count = (counts.get(id) ?? 0) + events;
  counts.set(id, count);
  const n = expected.get(id);
  if (n !== undefined && count >= n) {
    expected.delete(id);
    send({ type: "done", id, count, at: wallNow() });
  }
}

function noteError(id: string, message: string): void {
  const list = errors.get(id) ?? [];
  // A handful is enough to say what went wrong; a broken client must not grow the sink's memory.
  if (list.length < 5) list.push(message);
  errors.set(id, list);
}

/** Counts log records in an OTLP ExportLogsServiceRequest, walking protobuf fields without a schema library. */
function countOtlpProtobuf(buf: Buffer): number {
  // ExportLogsServiceRequest.resource_logs = 1 → ResourceLogs.scope_logs = 2 → ScopeLogs.log_records = 2.
  const path = [1, 2, 2];
  const walk = (start: number, end: number, depth: number): number => {
    let count = 0;
    let pos = start;
    const varint = (): number => {
      let value = 0;
      let shift = 0;
      for (let i = 0; i < 10 && pos < end; i++) {
        const byte = buf[pos++]!;
        value += (byte & 0x7f) * 2 ** shift;
        if (byte < 0x80) return value;
        shift += 7;
      }
      throw new Error("bad varint");
    };
    while (pos < end) {
      const key = varint();
      const field = Math.floor(key / 8);
      const wire = key & 7;
      if (wire === 0) varint();
      else if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else if (wire === 2) {
        const length = varint();
        if (field === path[depth]) count += depth === path.length - 1 ? 1 : walk(pos, pos + length, depth + 1);
        pos += length;
      } else throw new Error(`unsupported wire type ${wire}`);
    }
    return count;
  };
  return walk(0, buf.length, 0);
}

interface OtlpJson {
  resourceLogs?: { scopeLogs?: { logRecords?: unknown[] }[] }[];
}

function countBody(path: string, contentType: string, body: Buffer): number {
  if (path.endsWith("/v1/logs")) {
    if (contentType.includes("protobuf")) return countOtlpProtobuf(body);
    let n = 0;
    for (const r of (JSON.parse(body.toString("utf8")) as OtlpJson).resourceLogs ?? []) {
      for (const s of r.scopeLogs ?? []) n += s.logRecords?.length ?? 0;
    }
    return n;
  }
  const parsed = JSON.parse(body.toString("utf8")) as unknown;
  if (path.endsWith("/batch/") || path.endsWith("/batch")) {
    const batch = (parsed as { batch?: unknown }).batch;
    if (!Array.isArray(batch)) throw new Error("posthog body without a batch array");
    return batch.length;
  }
  if (!Array.isArray(parsed)) throw new Error("body is not a JSON array");
  return parsed.length;
}

interface OtlpJsonRecords {
  resourceLogs?: {
    scopeLogs?: { logRecords?: { attributes?: { key: string; value: { stringValue?: string } }[] }[] }[];
  }[];
}

/** The publish moments (monotonic ms) the events of a latency body carry; see the header comment. */
function sentTimes(path: string, body: Buffer): number[] {
  const parsed = JSON.parse(body.toString("utf8")) as unknown;
  if (path.endsWith("/v1/logs")) {
    const out: number[] = [];
    for (const r of (parsed as OtlpJsonRecords).resourceLogs ?? []) {
      for (const s of r.scopeLogs ?? []) {
        for (const record of s.logRecords ?? []) {
          out.push(Number(record.attributes?.find((a) => a.key === "sentAt")?.value.stringValue));
        }
      }
    }
    return out;
  }
  if (path.endsWith("/batch/") || path.endsWith("/batch")) {
    return (parsed as { batch: { properties: { sentAt: number } }[] }).batch.map((e) => Number(e.properties.sentAt));
  }
  return (parsed as { payload: { token: string } }[]).map((e) => Number(e.payload.token));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const arrivedAt = monotonicMs();
    const path = req.url ?? "/";
    if (req.method !== "POST") {
      res.writeHead(404, { "content-length": "0" }).end();
      return;
    }
    if (path.startsWith("/outage/")) {
      res.writeHead(503, { "content-length": "0" }).end();
      return;
    }
    const route = /^\/([cl])\/([^/]+)\//.exec(path);
    const id = route?.[2] ?? "unrouted";
    try {
      let body = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      if (route?.[1] === "l") {
        const list = latencies.get(id) ?? [];
        for (const sentAt of sentTimes(path, body)) list.push(arrivedAt - sentAt);
        latencies.set(id, list);
      }
      record(id, countBody(path, String(req.headers["content-type"] ?? ""), body));
    } catch (error) {
      noteError(id, `${path}: ${String(error)}`);
      res.writeHead(400, { "content-type": "text/plain" }).end(String(error));
      return;
    }
    // OTLP clients decode the response as an ExportLogsServiceResponse; "{}" is the empty one in JSON.
    const otlpJson = path.endsWith("/v1/logs") && !String(req.headers["content-type"]).includes("protobuf");
    res.writeHead(202, { "content-type": "application/json", "content-length": otlpJson ? "2" : "0" });
    res.end(otlpJson ? "{}" : undefined);
  });
  req.on("error", () => res.destroy());
}

function main(): void {
  const server = createServer(handle);
  process.on("message", (message: SinkCommand) => {
    if (message.cmd === "expect") {
      expected.set(message.id, message.n);
      record(message.id, 0);
    } else if (message.cmd === "count") {
      send({
        type: "count",
        id: message.id,
        count: counts.get(message.id) ?? 0,
        errors: errors.get(message.id) ?? [],
      });
    } else if (message.cmd === "latencies") {
      send({ type: "latencies", id: message.id, latencies: latencies.get(message.id) ?? [] });
      latencies.delete(message.id);
    }
  });
  // The parent going away (even killed) closes the IPC channel: the sink must not outlive it.
  process.on("disconnect", () => process.exit(0));
  server.listen(0, "127.0.0.1", () => send({ type: "ready", port: (server.address() as AddressInfo).port }));
}

main();
