import { describe, expect, it } from "vitest";
import { ApiErrorBodySchema, type EventsApiEmulator, EventsPageSchema, type StructureRun } from "../../src/local.js";
import { EVENTS_PAGE_DEFAULT_LIMIT, EVENTS_PAGE_MAX_LIMIT } from "../../src/runtime/events-api-emulator-options.js";
import { call, startEmulator } from "./emulator-harness.js";

async function postEvents(emulator: EventsApiEmulator, run: StructureRun, count: number): Promise<void> {
  const envelopes = Array.from({ length: count }, (_, i) => ({
    payload: { type: "TextChunkEvent", index: i, token: `t${i}`, timestamp: 1, meta: {} },
    timestamp: 1,
    type: "TextChunkEvent",
  }));
  const res = await call(emulator, `/api/structure-runs/${run.structure_run_id}/events`, {
    method: "POST",
    key: run.apiKey,
    body: JSON.stringify(envelopes),
  });
  expect(res.status).toBe(202);
}

async function page(emulator: EventsApiEmulator, run: StructureRun, query: string) {
  const res = await call(emulator, `/api/structure-runs/${run.structure_run_id}/events${query}`, { key: run.apiKey });
  expect(res.status).toBe(200);
  return EventsPageSchema.parse(res.json);
}

function indexes(events: readonly { payload: Record<string, unknown> }[]): unknown[] {
  return events.map((e) => e.payload.index);
}

describe("GET /api/structure-runs/{id}/events", () => {
  it("pages with offset and limit, next_offset and total_count", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    await postEvents(emulator, run, 25);

    const first = await page(emulator, run, "?offset=0&limit=10");
    expect(indexes(first.events)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect({ ...first, events: undefined }).toEqual({
      events: undefined,
      count: 10,
      limit: 10,
      offset: 0,
      next_offset: 10,
      total_count: 25,
    });

    // Following next_offset reads every event exactly once.
    const seen: unknown[] = [];
    let offset = 0;
    for (;;) {
      const p = await page(emulator, run, `?offset=${offset}&limit=7`);
      seen.push(...indexes(p.events));
      expect(p.next_offset).toBe(offset + p.count);
      if (p.count === 0) break;
      offset = p.next_offset;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));

    const last = await page(emulator, run, "?offset=20&limit=10");
    expect(indexes(last.events)).toEqual([20, 21, 22, 23, 24]);
    expect(last.count).toBe(5);
    expect(last.next_offset).toBe(25);

    const beyond = await page(emulator, run, "?offset=100");
    expect(beyond.events).toEqual([]);
    expect(beyond.count).toBe(0);
    expect(beyond.next_offset).toBe(100);
    expect(beyond.total_count).toBe(25);
  });

  it(`defaults to offset 0 and limit ${EVENTS_PAGE_DEFAULT_LIMIT}, and caps limit at ${EVENTS_PAGE_MAX_LIMIT}`, async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    await postEvents(emulator, run, 1200);

    const defaults = await page(emulator, run, "");
    expect(defaults.offset).toBe(0);
    expect(defaults.limit).toBe(EVENTS_PAGE_DEFAULT_LIMIT);
    expect(defaults.count).toBe(EVENTS_PAGE_DEFAULT_LIMIT);
    expect(defaults.total_count).toBe(1200);

    const capped = await page(emulator, run, "?limit=5000");
    expect(capped.limit).toBe(EVENTS_PAGE_MAX_LIMIT);
    expect(capped.count).toBe(EVENTS_PAGE_MAX_LIMIT);
    expect(capped.next_offset).toBe(EVENTS_PAGE_MAX_LIMIT);

    const countOnly = await page(emulator, run, "?limit=0");
    expect(countOnly.count).toBe(0);
    expect(countOnly.total_count).toBe(1200);
  });

  it("answers an empty page for a run with no events", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    expect(await page(emulator, run, "")).toEqual({
      events: [],
      count: 0,
      limit: EVENTS_PAGE_DEFAULT_LIMIT,
      offset: 0,
      next_offset: 0,
      total_count: 0,
    });
  });

  for (const [query, param] of [
    ["?offset=-1", "offset"],
    ["?offset=1.5", "offset"],
    ["?offset=abc", "offset"],
    ["?offset=", "offset"],
    ["?limit=-5", "limit"],
    ["?limit=ten", "limit"],
    ["?limit=1e3", "limit"],
  ] as const) {
    it(`answers 400 for ${query}`, async () => {
      const emulator = await startEmulator();
      const run = emulator.createRun();
      const res = await call(emulator, `/api/structure-runs/${run.structure_run_id}/events${query}`, {
        key: run.apiKey,
      });
      expect(res.status).toBe(400);
      const body = ApiErrorBodySchema.parse(res.json);
      expect(body.error.code).toBe("invalid_query");
      expect(body.error.issues?.map((i) => i.path)).toEqual([[param]]);
    });
  }

  it("needs the run's key or the master key", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const other = emulator.createRun();
    const path = `/api/structure-runs/${run.structure_run_id}/events`;
    expect((await call(emulator, path)).status).toBe(401);
    expect((await call(emulator, path, { key: "wrong" })).status).toBe(401);
    expect((await call(emulator, path, { key: other.apiKey })).status).toBe(403);
    expect((await call(emulator, path, { key: run.apiKey })).status).toBe(200);
    expect((await call(emulator, path, { key: emulator.apiKey })).status).toBe(200);
    expect((await call(emulator, "/api/structure-runs/unknown/events", { key: emulator.apiKey })).status).toBe(404);
  });
});
