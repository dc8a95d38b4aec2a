import { describe, expect, it } from "vitest";
import { EventDetailSchema, type EventsApiEmulator, type StructureRun } from "../../src/local.js";
import { formatSystemTime } from "../../src/runtime/clock.js";
import { call, openStream, startEmulator, within } from "./emulator-harness.js";

async function post(emulator: EventsApiEmulator, run: StructureRun, ...types: string[]): Promise<void> {
  const res = await call(emulator, `/api/structure-runs/${run.structure_run_id}/events`, {
    method: "POST",
    key: run.apiKey,
    body: JSON.stringify(types.map((type) => ({ payload: { type }, timestamp: 1, type }))),
  });
  expect(res.status).toBe(202);
}

function complete(emulator: EventsApiEmulator, run: StructureRun): void {
  emulator.recordSystemEvent(run.structure_run_id, "StructureRunCompleted", {
    status: "SUCCEEDED",
    started_at: formatSystemTime(),
    completed_at: formatSystemTime(),
    status_detail: { reason: "Completed", message: null, exit_code: 0 },
  });
}

describe("GET /api/structure-runs/{id}/events/stream", () => {
  it("sends past events from the offset, then live ones, with id lines, and ends after the terminal event", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunStarting", { status: "STARTING" });
    await post(emulator, run, "A", "B");

    const { response, reader } = await openStream(emulator, run.structure_run_id, "?offset=1", run.apiKey);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("cache-control")).toBe("no-cache");

    await reader.readUntil((frames) => frames.length >= 2);
    expect(reader.events().map((e) => [e.id, EventDetailSchema.parse(e.data).type])).toEqual([
      ["1", "A"],
      ["2", "B"],
    ]);

    // Live: a USER post and SYSTEM events arrive on the open stream.
    await post(emulator, run, "C");
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunRunning", {
      status: "RUNNING",
      started_at: formatSystemTime(),
    });
    await reader.readUntil((frames) => frames.length >= 4);
    expect(reader.done).toBe(false);
    complete(emulator, run);
    // A USER event after the terminal one is refused (409): the stream ended with the terminal event.
    const late = await fetch(`${emulator.url}/api/structure-runs/${run.structure_run_id}/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${run.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify([{ payload: { type: "late" }, timestamp: 1, type: "late" }]),
    });
    expect(late.status).toBe(409);

    await within(5000, reader.readToEnd(), "the stream ending");
    expect(reader.done).toBe(true);
    const events = reader.events();
    expect(events.map((e) => e.id)).toEqual(["1", "2", "3", "4", "5"]);
    const details = events.map((e) => EventDetailSchema.parse(e.data));
    expect(details.map((d) => d.type)).toEqual(["A", "B", "C", "StructureRunRunning", "StructureRunCompleted"]);
    // Each frame is exactly the stored EventDetail.
    expect(details).toEqual(emulator.events(run.structure_run_id).slice(1, 6));
  });

  it("streams a finished run's events from the start and ends at once", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunStarting", { status: "STARTING" });
    await post(emulator, run, "A");
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunError", {
      status: "ERROR",
      status_detail: { error: "boom" },
    });
    const { reader } = await openStream(emulator, run.structure_run_id);
    await within(5000, reader.readToEnd(), "the stream ending");
    expect(reader.events().map((e) => e.id)).toEqual(["0", "1", "2"]);
    expect(reader.events().map((e) => EventDetailSchema.parse(e.data).type)).toEqual([
      "StructureRunStarting",
      "A",
      "StructureRunError",
    ]);
  });

  it("ends on StructureRunError while open", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const { reader } = await openStream(emulator, run.structure_run_id);
    await post(emulator, run, "A");
    await reader.readUntil((frames) => frames.length >= 1);
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunError", {
      status: "ERROR",
      status_detail: { error: "boom" },
    });
    await within(5000, reader.readToEnd(), "the stream ending");
    expect(reader.events().map((e) => EventDetailSchema.parse(e.data).type)).toEqual(["A", "StructureRunError"]);
  });

  it("from an offset beyond what is stored, waits for the events that reach it", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    await post(emulator, run, "A");
    const { reader } = await openStream(emulator, run.structure_run_id, "?offset=2");
    await post(emulator, run, "B", "C");
    complete(emulator, run);
    await within(5000, reader.readToEnd(), "the stream ending");
    expect(reader.events().map((e) => [e.id, EventDetailSchema.parse(e.data).type])).toEqual([
      ["2", "C"],
      ["3", "StructureRunCompleted"],
    ]);
  });

  it("resumes after the Last-Event-ID an EventSource sends", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    await post(emulator, run, "A", "B", "C");
    complete(emulator, run);
    const response = await fetch(`${emulator.url}/api/structure-runs/${run.structure_run_id}/events/stream`, {
      headers: { authorization: `Bearer ${run.apiKey}`, "last-event-id": "1" },
    });
    const text = await within(5000, response.text(), "the stream ending");
    expect(text).toBe(
      emulator
        .events(run.structure_run_id)
        .slice(2)
        .map((detail, i) => `id: ${i + 2}\ndata: ${JSON.stringify(detail)}\n\n`)
        .join(""),
    );
  });

  it("sends a `: ping` comment at the keep-alive interval", async () => {
    const emulator = await startEmulator({ keepAliveIntervalMs: 20 });
    const run = emulator.createRun();
    const { reader } = await openStream(emulator, run.structure_run_id);
    await within(
      5000,
      reader.readUntil((frames) => frames.filter((f) => f.comment === "ping").length >= 2),
      "pings",
    );
    expect(reader.events()).toEqual([]);
    await reader.cancel();
  });

  it("rejects a bad offset with 400 and a missing key with 401", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const path = `/api/structure-runs/${run.structure_run_id}/events/stream`;
    expect((await call(emulator, `${path}?offset=-3`, { key: run.apiKey })).status).toBe(400);
    expect((await call(emulator, path)).status).toBe(401);
    expect((await call(emulator, "/api/structure-runs/unknown/events/stream", { key: emulator.apiKey })).status).toBe(
      404,
    );
  });

  it("a client going away leaves storage intact, and a new stream resumes from an offset", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const { reader } = await openStream(emulator, run.structure_run_id);
    await post(emulator, run, "A");
    await reader.readUntil((frames) => frames.length >= 1);
    await reader.cancel();
    await post(emulator, run, "B");
    complete(emulator, run);
    expect(emulator.events(run.structure_run_id).map((e) => e.type)).toEqual(["A", "B", "StructureRunCompleted"]);
    const again = await openStream(emulator, run.structure_run_id, "?offset=1");
    await within(5000, again.reader.readToEnd(), "the stream ending");
    expect(again.reader.events().map((e) => e.id)).toEqual(["1", "2"]);
  });

  it("close() is prompt with open streams and keep-alive connections, and the streams end", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const streams = await Promise.all([
      openStream(emulator, run.structure_run_id),
      openStream(emulator, run.structure_run_id, "", run.apiKey),
    ]);
    await post(emulator, run, "A"); // leaves an idle keep-alive connection behind, too
    for (const { reader } of streams) await reader.readUntil((frames) => frames.length >= 1);

    const started = Date.now();
    await within(2000, emulator.close(), "close()");
    expect(Date.now() - started).toBeLessThan(1000);
    for (const { reader } of streams) {
      // The stream ends cleanly, or the socket is gone: either way the reader is released promptly.
      const outcome = await within(
        2000,
        reader.readToEnd().then(
          () => "ended",
          () => "errored",
        ),
        "the stream ending",
      );
      expect(outcome).toBe("ended");
    }
  });
});
