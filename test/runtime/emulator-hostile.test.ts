// Hostile input at the emulator's HTTP surface, over real sockets on 127.0.0.1: deep and partial bodies, retries,
// late events, keys and headers of every shape, trickled bytes, many uploads at once, readers that never read.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiErrorBodySchema, type EventsApiEmulator, type StructureRun } from "../../src/local.js";
import { formatSystemTime } from "../../src/runtime/clock.js";
import { MAX_JSON_DEPTH } from "../../src/runtime/events-api-emulator-options.js";
import { captureLogger } from "../support/delivery-harness.js";
import { call, openStream, startEmulator, within } from "./emulator-harness.js";
import { openSocket, parseResponse, rawRequest, readAll } from "./raw-http.js";

const DASHED_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function eventsPath(runId: string): string {
  return `/api/structure-runs/${runId}/events`;
}

function envelopeJson(type: string, id: string, extra = ""): string {
  return `{"payload":{"type":"${type}","id":"${id}"${extra}},"timestamp":1.5,"type":"${type}"}`;
}

function hexId(n: number): string {
  return n.toString(16).padStart(32, "0");
}

function complete(emulator: EventsApiEmulator, run: StructureRun): void {
  const startedAt = formatSystemTime();
  emulator.recordSystemEvent(run.structure_run_id, "StructureRunStarting", { status: "STARTING" });
  emulator.recordSystemEvent(run.structure_run_id, "StructureRunRunning", { status: "RUNNING", started_at: startedAt });
  emulator.recordSystemEvent(run.structure_run_id, "StructureRunCompleted", {
    status: "SUCCEEDED",
    started_at: startedAt,
    completed_at: formatSystemTime(),
    status_detail: { reason: "Completed", message: null, exit_code: 0 },
  });
}

/** A POST body of `count` TextChunkEvents of ~1 KB, their ids counting from `from + 1`. */
function chunkBatch(count: number, from = 0): string {
  const token = `,"token":"${"x".repeat(1_000)}"`;
  return `[${Array.from({ length: count }, (_, i) => envelopeJson("TextChunkEvent", hexId(from + i + 1), token)).join(",")}]`;
}

/** A FIFO in `dir` held open by a reader that never reads: writes to it stall once its 64 KiB are full. */
function fifoNobodyReads(dir: string): { fifo: string; reader: ReturnType<typeof spawn> } {
  const fifo = join(dir, "events.fifo");
  execFileSync("mkfifo", [fifo]);
  const reader = spawn("sh", ["-c", 'exec 3<"$FIFO"; sleep 60'], {
    env: { PATH: process.env.PATH, FIFO: fifo },
    stdio: "ignore",
  });
  return { fifo, reader };
}

function post(emulator: EventsApiEmulator, run: StructureRun, body: string, key = run.apiKey) {
  return call(emulator, eventsPath(run.structure_run_id), { method: "POST", key, body });
}

describe("an events file slower than the producers", () => {
  it("holds the POST's answer until the file takes the lines, rather than queueing them in memory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sre-hostile-"));
    const fifo = join(dir, "events.fifo");
    const out = join(dir, "read.ndjson");
    execFileSync("mkfifo", [fifo]);
    // A reader that opens the pipe but reads nothing until told: the pipe's 64 KiB fill and the writes stall.
    const reader = spawn("sh", ["-c", 'exec 3<"$FIFO"; read go; cat <&3 > "$OUT"'], {
      env: { PATH: process.env.PATH, FIFO: fifo, OUT: out },
      stdio: ["pipe", "ignore", "ignore"],
    });
    const exited = new Promise<number | null>((resolve) => reader.once("exit", resolve));
    try {
      const emulator = await startEmulator({ eventsFile: fifo });
      const run = emulator.createRun();
      const count = 2_000;
      const body = chunkBatch(count);
      let answered = false;
      const posting = post(emulator, run, body).then((r) => {
        answered = true;
        return r;
      });
      // Stored at once (readers see it), but not acknowledged while about 2 MiB wait for the file.
      await within(
        5_000,
        waitFor(() => emulator.events(run.structure_run_id).length === count),
        "storage",
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(answered).toBe(false);

      reader.stdin.end("go\n");
      expect((await within(10_000, posting, "the POST's answer")).status).toBe(202);
      await emulator.close();
      expect(await within(10_000, exited, "the reader's exit")).toBe(0);
      const lines = readFileSync(out, "utf8").trimEnd().split("\n");
      expect(lines).toHaveLength(count);
      expect((JSON.parse(lines[count - 1] as string) as { payload: { id: string } }).payload.id).toBe(hexId(count));
    } finally {
      reader.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a file that takes nothing for streamStallTimeoutMs is given up once; held POSTs are answered, nothing lost", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sre-hostile-"));
    const { fifo, reader } = fifoNobodyReads(dir);
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w);
    };
    process.on("warning", onWarning);
    try {
      const log = captureLogger();
      const emulator = await startEmulator({ eventsFile: fifo, logger: log.logger, streamStallTimeoutMs: 500 });
      const run = emulator.createRun();
      const batch = (from: number) => chunkBatch(1_200, from);
      // Twenty POSTs held on the one stalled file at once: one shared wait, not twenty sets of listeners.
      const answers = await within(
        10_000,
        Promise.all(Array.from({ length: 20 }, (_, k) => post(emulator, run, batch(k * 1_200)))),
        "the held POSTs' answers",
      );
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
      expect((await within(5_000, post(emulator, run, batch(24_000)), "a later POST")).status).toBe(202);
      expect(emulator.events(run.structure_run_id)).toHaveLength(21 * 1_200);
      const givenUp = log.entries(50).filter((e) => e.msg.includes("it is given up"));
      expect(givenUp).toHaveLength(1);
      await within(15_000, emulator.close(), "close()");
      expect(warnings.map((w) => w.name)).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
      reader.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("close() does not wait past its grace period for a file that never takes the last lines", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sre-hostile-"));
    const { fifo, reader } = fifoNobodyReads(dir);
    try {
      const log = captureLogger();
      const emulator = await startEmulator({ eventsFile: fifo, logger: log.logger });
      const run = emulator.createRun();
      const body = chunkBatch(200);
      expect((await post(emulator, run, body)).status).toBe(202);
      await within(15_000, emulator.close(), "close()");
      expect(log.entries(50).map((e) => e.msg)).toContain(
        "the events file took no more lines; the last ones were not written to it",
      );
    } finally {
      reader.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

describe("a POST is stored whole or not at all", () => {
  it("a deep array in the last event: 400, nothing stored anywhere, and the retry stores each event once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sre-hostile-"));
    try {
      const file = join(dir, "events.ndjson");
      const emulator = await startEmulator({ eventsFile: file });
      const run = emulator.createRun();
      const notified: string[] = [];
      emulator.onEvent = (e) => notified.push(e.type);
      const { reader } = await openStream(emulator, run.structure_run_id);
      const deep = `${"[".repeat(6000)}1${"]".repeat(6000)}`;
      const body = `[${envelopeJson("A", hexId(1))},${envelopeJson("B", hexId(2), `,"deep":${deep}`)}]`;
      const refused = await post(emulator, run, body);
      expect(refused.status).toBe(400);
      expect(ApiErrorBodySchema.parse(refused.json).error).toMatchObject({ code: "invalid_body" });
      expect(emulator.events(run.structure_run_id)).toEqual([]);
      expect(notified).toEqual([]);

      // The driver's retry, now with a body that can be stored: each event once, on every reader.
      const retry = `[${envelopeJson("A", hexId(1))},${envelopeJson("B", hexId(2))}]`;
      expect((await post(emulator, run, retry)).status).toBe(202);
      complete(emulator, run);
      await within(5_000, reader.readToEnd(), "the stream's end");
      const stored = emulator.events(run.structure_run_id);
      const types = ["A", "B", "StructureRunStarting", "StructureRunRunning", "StructureRunCompleted"];
      expect(stored.map((e) => e.type)).toEqual(types);
      expect(reader.events().map((e) => (e.data as { type: string }).type)).toEqual(types);
      expect(notified).toEqual(types);
      await emulator.close();
      const lines = readFileSync(file, "utf8").trimEnd().split("\n");
      expect(lines.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(types);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("any depth at any position: accepted whole up to the limit, refused whole past it", async () => {
    const emulator = await startEmulator();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.nat(4),
        fc.oneof(fc.integer({ min: 1, max: MAX_JSON_DEPTH - 3 }), fc.integer({ min: MAX_JSON_DEPTH, max: 20_000 })),
        fc.boolean(),
        async (count, at, depth, objects) => {
          const run = emulator.createRun();
          const position = at % count;
          const nested = objects
            ? `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`
            : `${"[".repeat(depth)}1${"]".repeat(depth)}`;
          const events = Array.from({ length: count }, (_, i) =>
            envelopeJson("E", hexId(i), i === position ? `,"nested":${nested}` : ""),
          );
          const res = await post(emulator, run, `[${events.join(",")}]`);
          // The body's own array, the envelope and the payload add three levels above `nested`.
          const total = depth + 3;
          if (total > MAX_JSON_DEPTH) {
            expect(res.status).toBe(400);
            expect(emulator.events(run.structure_run_id)).toEqual([]);
          } else {
            expect(res.status).toBe(202);
            expect(emulator.events(run.structure_run_id)).toHaveLength(count);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("event ids are the server's", () => {
  it("the same event posted twice is stored twice, each with its own fresh dashed UUID; payload.id is kept", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const body = `[${envelopeJson("TextChunkEvent", hexId(7), ',"token":"hi","index":0')}]`;
    expect((await post(emulator, run, body)).status).toBe(202);
    expect((await post(emulator, run, body)).status).toBe(202);
    const events = emulator.events(run.structure_run_id);
    expect(events).toHaveLength(2);
    for (const e of events) {
      expect(e.event_id).toMatch(DASHED_UUID);
      expect(e.event_id).toHaveLength(36);
      expect((e.payload as Record<string, unknown>).id).toBe(hexId(7));
    }
    expect(events[0]?.event_id).not.toBe(events[1]?.event_id);
  });
});

describe("a terminal run's events and output are fixed", () => {
  it("a late POST gets 409 run_ended, with either key, and changes neither the events nor the output", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const finish = (value: string) =>
      `[{"payload":{"type":"FinishStructureRunEvent","id":"${hexId(1)}","output_task_output":{"type":"TextArtifact","value":"${value}"}},"timestamp":1,"type":"FinishStructureRunEvent"}]`;
    expect((await post(emulator, run, finish("first"))).status).toBe(202);
    complete(emulator, run);
    const before = emulator.events(run.structure_run_id);
    for (const key of [run.apiKey, emulator.apiKey]) {
      const late = await post(emulator, run, finish("late"), key);
      expect(late.status).toBe(409);
      const error = ApiErrorBodySchema.parse(late.json).error;
      expect(error.code).toBe("run_ended");
      expect(error.message).toContain("SUCCEEDED");
    }
    expect(emulator.events(run.structure_run_id)).toEqual(before);
    expect(emulator.getRun(run.structure_run_id)?.output).toMatchObject({ value: "first" });
  });
});

describe("keys and headers", () => {
  it("a run key gets the same answer for another run and for a run that does not exist", async () => {
    const emulator = await startEmulator();
    const mine = emulator.createRun();
    const other = emulator.createRun();
    await fc.assert(
      fc.asyncProperty(fc.uuid(), fc.constantFrom("", "/events", "/events/stream"), async (unknown, suffix) => {
        const method = "GET";
        const a = await call(emulator, `/api/structure-runs/${other.structure_run_id}${suffix}`, {
          method,
          key: mine.apiKey,
        });
        const b = await call(emulator, `/api/structure-runs/${unknown}${suffix}`, { method, key: mine.apiKey });
        expect(a.status).toBe(403);
        expect(b.status).toBe(a.status);
        expect(b.text).toBe(a.text);
      }),
      { numRuns: 15 },
    );
    const postOther = await post(emulator, other, "[]", mine.apiKey);
    const postNone = await call(emulator, eventsPath("no-such-run"), { method: "POST", key: mine.apiKey, body: "[]" });
    expect(postNone.status).toBe(postOther.status);
    expect(postNone.text).toBe(postOther.text);
    // The master key may know which runs exist.
    expect((await call(emulator, "/api/structure-runs/no-such-run", { key: emulator.apiKey })).status).toBe(404);
  });

  it("`Bearer a b`, a bare `Bearer` and other schemes are malformed, not missing; no header is missing", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const path = `/api/structure-runs/${run.structure_run_id}`;
    for (const header of [`Bearer ${run.apiKey} b`, "Bearer", "Bearer ", `Basic ${run.apiKey}`, run.apiKey]) {
      const res = await call(emulator, path, { headers: { authorization: header } });
      expect(res.status, header).toBe(401);
      const message = ApiErrorBodySchema.parse(res.json).error.message;
      expect(message).toContain("malformed Authorization header");
      expect(res.text).not.toContain(run.apiKey);
    }
    const missing = await call(emulator, path);
    expect(ApiErrorBodySchema.parse(missing.json).error.message).toContain("missing API key");
  });

  it("any Authorization header that is not a valid key: refused, and the value is never echoed", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const host = new URL(emulator.url).host;
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "binary", minLength: 1, maxLength: 40 }).filter((s) => !/[\r\n]/.test(s)),
        fc.boolean(),
        async (value, bearer) => {
          const header = `${bearer ? "Bearer " : ""}${value}`;
          const res = await rawRequest(
            emulator.url,
            Buffer.concat([
              Buffer.from(`GET /api/structure-runs/${run.structure_run_id} HTTP/1.1\r\nHost: ${host}\r\n`),
              Buffer.from(`Authorization: ${header}\r\nConnection: close\r\n\r\n`, "utf8"),
            ]),
          );
          // Node's parser refuses some control characters itself (400); everything else is our 401.
          expect([400, 401]).toContain(res.status);
          if (value.trim().length >= 4) expect(res.body).not.toContain(value.trim());
        },
      ),
      { numRuns: 60 },
    );
  });

  it("HEAD on every GET route: the GET's status and headers, no body", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    complete(emulator, run);
    for (const suffix of ["", "/events?limit=2", "/events/stream"]) {
      const path = `/api/structure-runs/${run.structure_run_id}${suffix}`;
      const get = await call(emulator, path, { key: emulator.apiKey });
      const head = await call(emulator, path, { method: "HEAD", key: emulator.apiKey });
      expect(head.status, suffix).toBe(200);
      expect(head.text).toBe("");
      expect(head.headers.get("content-type")).toBe(get.headers.get("content-type"));
      if (suffix !== "/events/stream")
        expect(head.headers.get("content-length")).toBe(get.headers.get("content-length"));
    }
    // HEAD is checked like GET: no key, no answer.
    expect((await call(emulator, `/api/structure-runs/${run.structure_run_id}`, { method: "HEAD" })).status).toBe(401);
  });
});

describe("request bodies and headers are bounded in bytes held and in time", () => {
  it("a body trickled byte by byte gets 408 request_timeout once bodyTimeoutMs has passed, and nothing is stored", async () => {
    const emulator = await startEmulator({ bodyTimeoutMs: 300 });
    const run = emulator.createRun();
    const socket = await openSocket(emulator.url);
    const reading = readAll(socket);
    const body = `[${envelopeJson("A", hexId(1))}]`;
    socket.write(
      `POST ${eventsPath(run.structure_run_id)} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${run.apiKey}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < body.length && !socket.destroyed) socket.write(body[sent++] ?? "");
    }, 50);
    try {
      const res = parseResponse(await within(5_000, reading, "the 408 answer"), true);
      expect(res.status).toBe(408);
      expect(ApiErrorBodySchema.parse(JSON.parse(res.body)).error.code).toBe("request_timeout");
      expect(sent).toBeLessThan(body.length);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
    expect(emulator.events(run.structure_run_id)).toEqual([]);
  });

  it("headers trickled byte by byte get 408 once headersTimeoutMs has passed", async () => {
    const emulator = await startEmulator({ headersTimeoutMs: 300 });
    const socket = await openSocket(emulator.url);
    const reading = readAll(socket);
    const head = `GET /api/structure-runs/x HTTP/1.1\r\nHost: localhost\r\nX-Slow: ${"a".repeat(200)}\r\n\r\n`;
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < head.length && !socket.destroyed) socket.write(head[sent++] ?? "");
    }, 20);
    try {
      const res = parseResponse(await within(5_000, reading, "the 408 answer"), true);
      expect(res.status).toBe(408);
      expect(sent).toBeLessThan(head.length);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  });

  it("bodies held at once are bounded: past maxPendingBodyBytes a request gets 429 with Retry-After, then room comes back", async () => {
    const maxBodyBytes = 32 * 1024;
    const emulator = await startEmulator({ maxBodyBytes, maxPendingBodyBytes: 2 * maxBodyBytes });
    const run = emulator.createRun();
    const body = `[${envelopeJson("A", hexId(1), `,"pad":"${"x".repeat(maxBodyBytes - 200)}"`)}]`;
    const head = (length: string) =>
      `POST ${eventsPath(run.structure_run_id)} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${run.apiKey}\r\n` +
      `Content-Type: application/json\r\n${length}\r\n`;
    // Two uploads declare a full body each and send half of it: they hold the whole budget.
    const holders = await Promise.all([openSocket(emulator.url), openSocket(emulator.url)]);
    const holderAnswers = holders.map((s) => readAll(s));
    for (const s of holders) s.write(`${head(`Content-Length: ${body.length}\r\n`)}${body.slice(0, 1000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // A third, declared or chunked, is refused at once.
    const declared = await rawRequest(emulator.url, `${head(`Content-Length: ${body.length}\r\n`)}${body}`);
    expect(declared.status).toBe(429);
    expect(declared.head.toLowerCase()).toContain("retry-after: 1");
    expect(ApiErrorBodySchema.parse(JSON.parse(declared.body)).error.code).toBe("too_many_requests");
    const chunked = await rawRequest(
      emulator.url,
      `${head("Transfer-Encoding: chunked\r\n")}${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    expect(chunked.status).toBe(429);
    // The holders finish: their bodies are stored, the budget is given back, the next upload fits.
    for (const s of holders) s.end(body.slice(1000));
    for (const answer of holderAnswers) {
      const text = await within(5_000, answer, "a holder's answer");
      expect(parseResponse(text, true).status).toBe(202);
    }
    expect((await post(emulator, run, body)).status).toBe(202);
    expect(emulator.events(run.structure_run_id)).toHaveLength(3);
  });
});

describe("event streams and readers that fall behind", () => {
  it("a reader that stops reading is dropped after streamStallTimeoutMs and resumes from its last offset, missing nothing", async () => {
    const emulator = await startEmulator({ streamStallTimeoutMs: 300 });
    const run = emulator.createRun();
    const socket = await openSocket(emulator.url);
    socket.write(
      `GET ${eventsPath(run.structure_run_id)}/stream HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${emulator.apiKey}\r\n\r\n`,
    );
    // Never reads: the socket's buffers fill, then the server's writes stop being accepted.
    socket.pause();
    const batch = Array.from({ length: 500 }, (_, i) => envelopeJson("E", hexId(i), `,"pad":"${"y".repeat(2000)}"`));
    const total = 40;
    for (let i = 0; i < total; i++) expect((await post(emulator, run, `[${batch.join(",")}]`)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 800));
    // Dropped: reading now gets what was buffered, then the end of the connection.
    const first = await within(10_000, readAll(socket), "the dropped stream's end");
    const seen = [...first.matchAll(/\nid: (\d+)\n/g), ...first.matchAll(/^id: (\d+)\n/gm)].map((m) => Number(m[1]));
    const ids = [...new Set(seen)].sort((a, b) => a - b);
    const stored = total * batch.length;
    expect(first).toMatch(/^HTTP\/1\.1 200 /);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThan(stored);
    // Resume from the last id seen, as an EventSource would, and read to the run's end.
    complete(emulator, run);
    const lastId = ids.at(-1) ?? -1;
    const { reader } = await openStream(emulator, run.structure_run_id, `?offset=${lastId + 1}`);
    await within(20_000, reader.readToEnd(), "the resumed stream's end");
    const resumed = reader.events().map((e) => Number(e.id));
    expect([...ids, ...resumed]).toEqual(Array.from({ length: stored + 3 }, (_, i) => i));
  });

  it("a slow reader that keeps reading gets every event once, in order", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const { reader } = await openStream(emulator, run.structure_run_id);
    const batch = Array.from({ length: 200 }, (_, i) => envelopeJson("E", hexId(i), `,"pad":"${"z".repeat(5000)}"`));
    for (let i = 0; i < 20; i++) expect((await post(emulator, run, `[${batch.join(",")}]`)).status).toBe(202);
    complete(emulator, run);
    await within(20_000, reader.readToEnd(), "the stream's end");
    expect(reader.events().map((e) => Number(e.id))).toEqual(Array.from({ length: 4003 }, (_, i) => i));
  });
});
