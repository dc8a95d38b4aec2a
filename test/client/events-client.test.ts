// EventsClient against real HTTP servers on 127.0.0.1: the Events API emulator, and small node:http servers
// that misbehave on purpose (a stream cut mid-run, no stream route, a 401 that echoes the key).
import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import {
  type EventDetail,
  type EventsApiEmulator,
  EventsApiError,
  EventsClient,
  EventsPageSchema,
  type StructureRun,
  StructureRunResourceSchema,
} from "../../src/local.js";
import { formatSystemTime } from "../../src/runtime/clock.js";
import { startEmulator, within } from "../runtime/emulator-harness.js";
import { detail, page, RUN_ID, serve } from "../support/fake-events-api.js";

const KEY = "test-key-0123456789-very-secret";

// ---------------------------------------------------------------------------------------------- helpers

async function collect(events: AsyncIterable<EventDetail>): Promise<EventDetail[]> {
  const out: EventDetail[] = [];
  for await (const event of events) out.push(event);
  return out;
}

async function postUserEvents(emulator: EventsApiEmulator, run: StructureRun, ...types: string[]): Promise<void> {
  const res = await fetch(`${emulator.url}/api/structure-runs/${run.structure_run_id}/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${run.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(types.map((type, i) => ({ payload: { type, n: i }, timestamp: 1726096550 + i, type }))),
  });
  expect(res.status).toBe(202);
  await res.arrayBuffer();
}

function recordCompleted(emulator: EventsApiEmulator, run: StructureRun): void {
  emulator.recordSystemEvent(run.structure_run_id, "StructureRunCompleted", {
    status: "SUCCEEDED",
    started_at: formatSystemTime(),
    completed_at: formatSystemTime(),
    status_detail: { reason: "Completed", message: null, exit_code: 0 },
  });
}

/** A whole run as a server would store it: Starting, Running, `users` USER events, Completed. */
function runEvents(users: number): EventDetail[] {
  const events = [
    detail(0, "StructureRunStarting", "SYSTEM", { status: "STARTING" }),
    detail(1, "StructureRunRunning", "SYSTEM", { status: "RUNNING", started_at: "2024-09-11T23:15:47" }),
  ];
  for (let i = 0; i < users; i++) {
    events.push(detail(events.length, "TextChunkEvent", "USER", { type: "TextChunkEvent", index: i, token: `t${i}` }));
  }
  events.push(
    detail(events.length, "StructureRunCompleted", "SYSTEM", {
      status: "SUCCEEDED",
      started_at: "2024-09-11T23:15:47",
      completed_at: "2024-09-11T23:15:50",
      status_detail: { reason: "Completed", message: null, exit_code: 0 },
    }),
  );
  return events;
}

function frame(offset: number, event: EventDetail): string {
  return `id: ${offset}\ndata: ${JSON.stringify(event)}\n\n`;
}

function openSse(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.flushHeaders();
}

function writeAndWait(res: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve, reject) => res.write(text, (err) => (err ? reject(err) : resolve())));
}

const STREAM_PATH = `/api/structure-runs/${RUN_ID}/events/stream`;
const LIST_PATH = `/api/structure-runs/${RUN_ID}/events`;

// ---------------------------------------------------------------------------------------------- emulator

describe("EventsClient against the Events API emulator", () => {
  it("listEvents pages with offset and limit; every page is EventsPageSchema-valid", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunStarting", { status: "STARTING" });
    await postUserEvents(emulator, run, "A", "B", "C", "D", "E");
    const client = new EventsClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });

    const first = await client.listEvents(run.structure_run_id, { offset: 0, limit: 4 });
    expect(EventsPageSchema.parse(first)).toEqual(first);
    expect(first).toMatchObject({ count: 4, limit: 4, offset: 0, next_offset: 4, total_count: 6 });
    const second = await client.listEvents(run.structure_run_id, { offset: first.next_offset, limit: 4 });
    expect(second).toMatchObject({ count: 2, limit: 4, offset: 4, next_offset: 6, total_count: 6 });
    const past = await client.listEvents(run.structure_run_id, { offset: 6, limit: 4 });
    expect(past).toMatchObject({ events: [], count: 0, offset: 6, next_offset: 6 });

    expect([...first.events, ...second.events]).toEqual(emulator.events(run.structure_run_id));
    expect([...first.events, ...second.events].map((e) => e.type)).toEqual([
      "StructureRunStarting",
      "A",
      "B",
      "C",
      "D",
      "E",
    ]);
    // Defaults: offset 0, limit 100.
    const all = await client.listEvents(run.structure_run_id);
    expect(all).toMatchObject({ count: 6, limit: 100, offset: 0, next_offset: 6 });
  });

  it("getRun returns the run resource; an unknown run is an EventsApiError 404", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun({ args: ["x"] });
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunStarting", { status: "STARTING" });
    const client = new EventsClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });

    const resource = StructureRunResourceSchema.parse(await client.getRun(run.structure_run_id));
    expect(resource).toMatchObject({ structure_run_id: run.structure_run_id, status: "STARTING", args: ["x"] });

    const unknown = client.getRun("00000000-0000-4000-8000-000000000000");
    await expect(unknown).rejects.toBeInstanceOf(EventsApiError);
    await expect(unknown).rejects.toMatchObject({ code: "ERR_EVENTS_API", status: 404 });
  });

  it("createRun POSTs args and env_vars to /api/structures/{id}/runs and the emulator's onRunCreated fires", async () => {
    const emulator = await startEmulator();
    const created: StructureRun[] = [];
    emulator.onRunCreated = (run) => {
      created.push(run);
    };
    const client = new EventsClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });

    const result = await client.createRun("my structure", {
      args: ["--name", "Ada"],
      envVars: { MODE: "fast", TOKEN: "tok" },
    });
    expect(created).toHaveLength(1);
    const run = created[0]!;
    expect(result.structure_run_id).toBe(run.structure_run_id);
    expect(run.structure_id).toBe("my structure");
    expect(run.args).toEqual(["--name", "Ada"]);
    expect(run.envVars).toEqual({ MODE: "fast", TOKEN: "tok" });
    expect(StructureRunResourceSchema.parse(result)).toMatchObject({
      status: "QUEUED",
      env_var_names: ["MODE", "TOKEN"],
    });

    // Without input: no args, no env vars.
    await client.createRun("other");
    expect(created[1]).toMatchObject({ structure_id: "other", args: [], envVars: {} });
  });

  it("streamEvents yields past events from the offset, then live ones, in order, and returns after Completed", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunStarting", { status: "STARTING" });
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunRunning", {
      status: "RUNNING",
      started_at: formatSystemTime(),
    });
    await postUserEvents(emulator, run, "A", "B");
    const client = new EventsClient({ baseUrl: emulator.url, apiKey: run.apiKey });

    const seen: EventDetail[] = [];
    const consume = async (): Promise<void> => {
      for await (const event of client.streamEvents(run.structure_run_id, {
        offset: 1,
        signal: AbortSignal.timeout(10_000),
      })) {
        seen.push(event);
        // Live events: posted only once the past ones have arrived on the open stream.
        if (event.type === "B") await postUserEvents(emulator, run, "C", "D");
        if (event.type === "D") recordCompleted(emulator, run);
      }
    };
    await within(10_000, consume(), "the stream ending after the terminal event");

    expect(seen.map((e) => e.type)).toEqual(["StructureRunRunning", "A", "B", "C", "D", "StructureRunCompleted"]);
    expect(seen).toEqual(emulator.events(run.structure_run_id).slice(1));
    expect(seen).toHaveLength(6);
  });

  it("streamEvents of a finished run yields everything from the offset and returns", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunStarting", { status: "STARTING" });
    await postUserEvents(emulator, run, "A");
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunError", {
      status: "ERROR",
      status_detail: { error: "boom" },
    });
    const client = new EventsClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
    const events = await within(5_000, collect(client.streamEvents(run.structure_run_id, { offset: 1 })), "stream");
    expect(events.map((e) => e.type)).toEqual(["A", "StructureRunError"]);
  });
});

// ---------------------------------------------------------------------------------------------- custom servers

describe("EventsClient.streamEvents resume and fallback", () => {
  it("reconnects from the last offset after the connection drops, yielding every event exactly once, in order", async () => {
    const all = runEvents(3); // 6 events, the last one terminal
    const streamOffsets: string[] = [];
    const base = await serve((req, res, url) => {
      if (url.pathname !== STREAM_PATH) {
        res.writeHead(500).end("unexpected route");
        return;
      }
      const offset = url.searchParams.get("offset") ?? "";
      streamOffsets.push(offset);
      openSse(res);
      if (streamOffsets.length === 1) {
        // First connection: two events, then the connection is cut mid-run.
        void writeAndWait(res, `: ping\n\n${frame(0, all[0]!)}${frame(1, all[1]!)}`).then(() => req.socket.destroy());
        return;
      }
      const from = Number(offset);
      res.end(all.map((event, i) => (i >= from ? frame(i, event) : "")).join(""));
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });

    const events = await within(10_000, collect(client.streamEvents(RUN_ID)), "the resumed stream");
    expect(streamOffsets).toEqual(["0", "2"]);
    expect(events).toEqual(all);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(all.length);
  });

  it("retries a 503 from the stream route and resumes", async () => {
    const all = runEvents(1);
    const streamOffsets: string[] = [];
    const base = await serve((_req, res, url) => {
      streamOffsets.push(url.searchParams.get("offset") ?? "");
      if (streamOffsets.length === 1) {
        res.writeHead(503, { "content-type": "text/plain" }).end("busy");
        return;
      }
      openSse(res);
      res.end(all.map((event, i) => frame(i, event)).join(""));
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    const events = await within(10_000, collect(client.streamEvents(RUN_ID)), "the stream after a 503");
    expect(streamOffsets).toEqual(["0", "0"]);
    expect(events).toEqual(all);
  });

  it("falls back to polling the list route when the stream route answers 404, from the right offset", async () => {
    const all = runEvents(3); // 6 events
    let available = 3;
    const listOffsets: number[] = [];
    const streamOffsets: string[] = [];
    const prefix = "/proxy/v1";
    const base = await serve((req, res, url) => {
      if (req.headers.authorization !== `Bearer ${KEY}`) {
        res.writeHead(401).end("{}");
        return;
      }
      if (url.pathname === `${prefix}${STREAM_PATH}`) {
        streamOffsets.push(url.searchParams.get("offset") ?? "");
        res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
        return;
      }
      if (url.pathname === `${prefix}${LIST_PATH}`) {
        const offset = Number(url.searchParams.get("offset"));
        const limit = Number(url.searchParams.get("limit"));
        listOffsets.push(offset);
        const body = page(all, offset, limit, available);
        // The run moves on one event per empty poll.
        if (offset >= available) available = Math.min(all.length, available + 1);
        res.writeHead(200, { "content-type": "application/json" }).end(body);
        return;
      }
      res.writeHead(500).end("unexpected route");
    });
    const client = new EventsClient({ baseUrl: `${base}${prefix}/`, apiKey: KEY });

    const events = await within(
      10_000,
      collect(client.streamEvents(RUN_ID, { offset: 1, pollIntervalMs: 20 })),
      "polling to the terminal event",
    );
    expect(events).toEqual(all.slice(1));
    expect(streamOffsets).toEqual(["1"]);
    // 1 → 3 events (1, 2), then one new event per poll after each empty page.
    expect(listOffsets).toEqual([1, 3, 3, 4, 4, 5, 5]);
  });

  it("falls back to polling after repeated stream failures without progress", async () => {
    const all = runEvents(1);
    let streamCalls = 0;
    const base = await serve((req, res, url) => {
      if (url.pathname === STREAM_PATH) {
        streamCalls++;
        req.socket.destroy();
        return;
      }
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(page(all, Number(url.searchParams.get("offset")), 100));
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    const events = await within(
      10_000,
      collect(client.streamEvents(RUN_ID, { maxReconnects: 1, pollIntervalMs: 20 })),
      "polling after failures",
    );
    expect(streamCalls).toBe(2);
    expect(events).toEqual(all);
  });
});

// ---------------------------------------------------------------------------------------------- errors

describe("EventsClient errors", () => {
  /** A server that refuses every request with 401 and echoes the Authorization header it got. */
  async function refusingServer(): Promise<{ base: string; calls: () => number }> {
    let calls = 0;
    const base = await serve((req, res) => {
      calls++;
      res
        .writeHead(401, { "content-type": "application/json" })
        .end(JSON.stringify({ error: "unauthorized", got: req.headers.authorization }));
    });
    return { base, calls: () => calls };
  }

  it("a 401 from the stream route rejects with EventsApiError 401 whose message does not contain the key", async () => {
    const { base, calls } = await refusingServer();
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    const error = await within(
      5_000,
      collect(client.streamEvents(RUN_ID, { pollIntervalMs: 20 })).then(
        () => undefined,
        (err: unknown) => err,
      ),
      "the 401",
    );
    expect(error).toBeInstanceOf(EventsApiError);
    expect(error).toMatchObject({ code: "ERR_EVENTS_API", status: 401 });
    const message = (error as EventsApiError).message;
    expect(message).toContain("401");
    expect(message).toContain("[redacted]"); // the echo was there, and was redacted
    expect(message).not.toContain(KEY);
    expect(String((error as EventsApiError).stack)).not.toContain(KEY);
    // Not retried: a bad key will not heal.
    expect(calls()).toBe(1);
  });

  it("a 401 from the list route is redacted too", async () => {
    const { base } = await refusingServer();
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    const error = await client.listEvents(RUN_ID).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(EventsApiError);
    expect(error).toMatchObject({ code: "ERR_EVENTS_API", status: 401 });
    expect((error as EventsApiError).message).not.toContain(KEY);
  });

  it("401 says to check the key; 403 that the key may not access this run (a wrong run id gives it too)", async () => {
    for (const [status, hint] of [
      [401, "(check the API key)"],
      [403, "(the API key may not access this run: check the run id and the API key)"],
    ] as const) {
      const base = await serve((_req, res) => {
        res.writeHead(status, { "content-type": "application/json" }).end("{}");
      });
      const error = await new EventsClient({ baseUrl: base, apiKey: KEY }).listEvents(RUN_ID).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toMatchObject({ code: "ERR_EVENTS_API", status });
      expect((error as EventsApiError).message).toContain(`Events API answered ${status} ${hint}`);
    }
  });

  it("an abort while the stream is open ends it promptly", async () => {
    const all = runEvents(0);
    const base = await serve((_req, res) => {
      openSse(res);
      res.write(frame(0, all[0]!)); // then stays open, silent
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    const controller = new AbortController();
    const seen: EventDetail[] = [];
    const started = Date.now();
    const outcome = await within(
      5_000,
      (async () => {
        for await (const event of client.streamEvents(RUN_ID, { signal: controller.signal })) {
          seen.push(event);
          setTimeout(() => controller.abort(), 20);
        }
      })().then(
        () => "returned",
        (err: unknown) => err,
      ),
      "the aborted stream",
    );
    expect(seen).toEqual([all[0]]);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).name).toMatch(/Abort/);
  });

  it("an abort while polling ends the stream promptly, even with a long poll interval", async () => {
    let listCalls = 0;
    const controller = new AbortController();
    const base = await serve((_req, res, url) => {
      if (url.pathname === STREAM_PATH) {
        res.writeHead(404).end();
        return;
      }
      listCalls++;
      // Abort while the client sleeps between polls.
      if (listCalls === 1) setTimeout(() => controller.abort(), 50);
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(page([], Number(url.searchParams.get("offset")), 100));
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    const started = Date.now();
    const outcome = await within(
      5_000,
      collect(client.streamEvents(RUN_ID, { signal: controller.signal, pollIntervalMs: 60_000 })).then(
        () => "returned",
        (err: unknown) => err,
      ),
      "the aborted poll",
    );
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).name).toMatch(/Abort/);
    expect(listCalls).toBe(1);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("an abort while a poll request is in flight ends the stream promptly", async () => {
    const controller = new AbortController();
    const base = await serve((_req, res, url) => {
      if (url.pathname === STREAM_PATH) {
        res.writeHead(404).end();
        return;
      }
      // The list route never answers; the abort must not wait for the request timeout.
      setTimeout(() => controller.abort(), 50);
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY, requestTimeoutMs: 20_000 });
    const started = Date.now();
    const outcome = await within(
      5_000,
      collect(client.streamEvents(RUN_ID, { signal: controller.signal })).then(
        () => "returned",
        (err: unknown) => err,
      ),
      "the aborted poll request",
    );
    expect(outcome).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("an already aborted signal rejects before any request", async () => {
    let calls = 0;
    const base = await serve((_req, res) => {
      calls++;
      res.writeHead(404).end();
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    await expect(collect(client.streamEvents(RUN_ID, { signal: AbortSignal.abort() }))).rejects.toThrow();
    expect(calls).toBe(0);
  });
});
