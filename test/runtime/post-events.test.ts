import { request } from "node:http";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { UserEventsPostBodySchema } from "../../src/index.js";
import { ApiErrorBodySchema, EventsPageSchema, StructureRunResourceSchema } from "../../src/local.js";
import { call, readFixture, readFixtureText, startEmulator } from "./emulator-harness.js";

const fixtureText = readFixtureText("user-events-post.json");
const fixture = UserEventsPostBodySchema.parse(readFixture("user-events-post.json"));
const CREATED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const DASHED_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function eventsPath(runId: string): string {
  return `/api/structure-runs/${runId}/events`;
}

function envelope(type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { payload: { type, timestamp: 1726096550.5, meta: {}, ...extra }, timestamp: 1726096550.5, type };
}

describe("POST /api/structure-runs/{id}/events", () => {
  it("accepts the fixture body with 202 and an empty body, and stores each envelope as a USER EventDetail", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const res = await call(emulator, eventsPath(run.structure_run_id), {
      method: "POST",
      key: run.apiKey,
      body: fixtureText,
    });
    expect(res.status).toBe(202);
    expect(res.text).toBe("");

    const raw = (await call(emulator, eventsPath(run.structure_run_id), { key: emulator.apiKey })).json;
    const page = EventsPageSchema.parse(raw);
    // Key order as Griptape Cloud writes an EventDetail (zod's parse above rebuilds objects, so read the raw JSON).
    const rawEvents = z.object({ events: z.array(z.record(z.string(), z.unknown())) }).parse(raw).events;
    for (const detail of rawEvents) {
      expect(Object.keys(detail)).toEqual([
        "event_id",
        "timestamp",
        "type",
        "payload",
        "created_at",
        "origin",
        "structure_run",
      ]);
    }
    expect(page.events).toHaveLength(fixture.length);
    fixture.forEach((sent, i) => {
      const stored = page.events[i];
      expect(stored).toEqual({
        event_id: expect.stringMatching(DASHED_UUID),
        timestamp: sent.timestamp,
        type: sent.type,
        payload: sent.payload,
        created_at: expect.stringMatching(CREATED_AT),
        origin: "USER",
        structure_run: run.structure_run_id,
      });
    });
    expect(emulator.events(run.structure_run_id)).toEqual(page.events);
    // The server's ids, not the payload's: one per stored event.
    expect(new Set(page.events.map((e) => e.event_id)).size).toBe(fixture.length);
  });

  it("keeps the payload exactly as posted, extra keys and key order included", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const payload = { type: "MyCustomEvent", id: "a".repeat(32), zeta: 1, alpha: { nested: [1, "two", null] } };
    const res = await call(emulator, eventsPath(run.structure_run_id), {
      method: "POST",
      key: run.apiKey,
      body: JSON.stringify([{ payload, timestamp: 1.5, type: "MyCustomEvent", extra: true }]),
    });
    expect(res.status).toBe(202);
    const [stored] = emulator.events(run.structure_run_id);
    expect(JSON.stringify(stored?.payload)).toBe(JSON.stringify(payload));
  });

  it("accepts a single envelope object as the body", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const single = fixture[0];
    const res = await call(emulator, eventsPath(run.structure_run_id), {
      method: "POST",
      key: run.apiKey,
      body: JSON.stringify(single),
    });
    expect(res.status).toBe(202);
    const events = emulator.events(run.structure_run_id);
    expect(events).toHaveLength(1);
    expect(events[0]?.payload).toEqual(single?.payload);
  });

  it("accepts an empty array and stores nothing", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const res = await call(emulator, eventsPath(run.structure_run_id), { method: "POST", key: run.apiKey, body: "[]" });
    expect(res.status).toBe(202);
    expect(emulator.events(run.structure_run_id)).toEqual([]);
  });

  it("keeps arrival order across requests and gives every stored event a fresh dashed UUID", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    for (const batch of [["A", "B"], ["C"], ["D", "E", "F"]]) {
      const res = await call(emulator, eventsPath(run.structure_run_id), {
        method: "POST",
        key: run.apiKey,
        body: JSON.stringify(batch.map((t) => envelope(t))),
      });
      expect(res.status).toBe(202);
    }
    const events = emulator.events(run.structure_run_id);
    expect(events.map((e) => e.type)).toEqual(["A", "B", "C", "D", "E", "F"]);
    const ids = events.map((e) => e.event_id);
    for (const id of ids) expect(id).toMatch(DASHED_UUID);
    expect(new Set(ids).size).toBe(ids.length);
    // created_at orders events as stored, even within one millisecond.
    const createdAt = events.map((e) => e.created_at);
    expect([...createdAt].sort()).toEqual(createdAt);
    expect(new Set(createdAt).size).toBe(createdAt.length);
  });

  it("accepts the master key as well as the run's key", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const res = await call(emulator, eventsPath(run.structure_run_id), {
      method: "POST",
      key: emulator.apiKey,
      body: JSON.stringify([envelope("X")]),
    });
    expect(res.status).toBe(202);
    expect(emulator.events(run.structure_run_id)).toHaveLength(1);
  });

  it("sets the run's output from the FinishStructureRunEvent's output_task_output", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const runPath = `/api/structure-runs/${run.structure_run_id}`;
    const before = StructureRunResourceSchema.parse((await call(emulator, runPath, { key: run.apiKey })).json);
    expect(before.output).toBeNull();

    await call(emulator, eventsPath(run.structure_run_id), { method: "POST", key: run.apiKey, body: fixtureText });
    const finish = fixture.find((e) => e.type === "FinishStructureRunEvent");
    const after = StructureRunResourceSchema.parse((await call(emulator, runPath, { key: run.apiKey })).json);
    expect(after.output).toEqual(finish?.payload.output_task_output);
    expect(after.output).toMatchObject({ type: "TextArtifact", value: "Hello" });
    expect(emulator.getRun(run.structure_run_id)?.output).toEqual(after.output);
  });

  describe("bad bodies get 400 with the failing paths, and nothing is stored", () => {
    const cases: { name: string; body: string; code: string; paths: (string | number)[][] }[] = [
      { name: "not JSON", body: "[{not json", code: "invalid_json", paths: [[]] },
      { name: "empty body", body: "", code: "invalid_json", paths: [[]] },
      { name: "a number", body: "42", code: "invalid_body", paths: [[]] },
      { name: "a string", body: '"events"', code: "invalid_body", paths: [[]] },
      { name: "null", body: "null", code: "invalid_body", paths: [[]] },
      {
        name: "missing payload",
        body: JSON.stringify([{ timestamp: 1, type: "X" }]),
        code: "invalid_body",
        paths: [[0, "payload"]],
      },
      {
        name: "missing type",
        body: JSON.stringify([{ payload: { type: "X" }, timestamp: 1 }]),
        code: "invalid_body",
        paths: [[0, "type"]],
      },
      {
        name: "non-number timestamp",
        body: JSON.stringify([envelope("A"), { payload: { type: "X" }, timestamp: "soon", type: "X" }]),
        code: "invalid_body",
        paths: [[1, "timestamp"]],
      },
      {
        name: "payload without type",
        body: JSON.stringify([{ payload: { id: "x" }, timestamp: 1, type: "X" }]),
        code: "invalid_body",
        paths: [[0, "payload", "type"]],
      },
      {
        name: "single object missing type",
        body: JSON.stringify({ payload: { type: "X" }, timestamp: 1 }),
        code: "invalid_body",
        paths: [["type"]],
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const emulator = await startEmulator();
        const run = emulator.createRun();
        const res = await call(emulator, eventsPath(run.structure_run_id), {
          method: "POST",
          key: run.apiKey,
          body: c.body,
        });
        expect(res.status).toBe(400);
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
        const body = ApiErrorBodySchema.parse(res.json);
        expect(body.error.code).toBe(c.code);
        expect(body.error.message.length).toBeGreaterThan(0);
        expect(body.error.issues?.map((i) => i.path)).toEqual(c.paths);
        for (const issue of body.error.issues ?? []) expect(issue.message.length).toBeGreaterThan(0);
        expect(emulator.events(run.structure_run_id)).toEqual([]);
      });
    }
  });

  describe("keys", () => {
    it("401 without an Authorization header", async () => {
      const emulator = await startEmulator();
      const run = emulator.createRun();
      const res = await call(emulator, eventsPath(run.structure_run_id), { method: "POST", body: "[]" });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(ApiErrorBodySchema.parse(res.json).error.code).toBe("unauthorized");
    });

    it("401 with a wrong key or another scheme, and the key is not echoed", async () => {
      const emulator = await startEmulator();
      const run = emulator.createRun();
      const wrong = await call(emulator, eventsPath(run.structure_run_id), {
        method: "POST",
        key: "not-the-key-0123456789",
        body: JSON.stringify([envelope("X")]),
      });
      expect(wrong.status).toBe(401);
      expect(wrong.text).not.toContain("not-the-key-0123456789");
      const basic = await call(emulator, eventsPath(run.structure_run_id), {
        method: "POST",
        headers: { authorization: `Basic ${run.apiKey}` },
        body: JSON.stringify([envelope("X")]),
      });
      expect(basic.status).toBe(401);
      expect(emulator.events(run.structure_run_id)).toEqual([]);
    });

    it("403 with another run's key", async () => {
      const emulator = await startEmulator();
      const run = emulator.createRun();
      const other = emulator.createRun();
      const res = await call(emulator, eventsPath(run.structure_run_id), {
        method: "POST",
        key: other.apiKey,
        body: JSON.stringify([envelope("X")]),
      });
      expect(res.status).toBe(403);
      expect(ApiErrorBodySchema.parse(res.json).error.code).toBe("forbidden");
      expect(emulator.events(run.structure_run_id)).toEqual([]);
    });

    it("404 for an unknown run (with a valid key), 401 when the key is wrong too", async () => {
      const emulator = await startEmulator();
      const path = eventsPath("00000000-0000-4000-8000-000000000000");
      const res = await call(emulator, path, { method: "POST", key: emulator.apiKey, body: "[]" });
      expect(res.status).toBe(404);
      expect(ApiErrorBodySchema.parse(res.json).error.code).toBe("not_found");
      const wrong = await call(emulator, path, { method: "POST", key: "wrong", body: "[]" });
      expect(wrong.status).toBe(401);
    });
  });

  describe("413 over maxBodyBytes", () => {
    it("refuses a body whose Content-Length is too large, and the server keeps working", async () => {
      const emulator = await startEmulator({ maxBodyBytes: 1024 });
      const run = emulator.createRun();
      const big = JSON.stringify([envelope("Big", { blob: "x".repeat(4096) })]);
      const res = await call(emulator, eventsPath(run.structure_run_id), {
        method: "POST",
        key: run.apiKey,
        body: big,
      });
      expect(res.status).toBe(413);
      expect(ApiErrorBodySchema.parse(res.json).error.code).toBe("payload_too_large");
      expect(emulator.events(run.structure_run_id)).toEqual([]);

      const small = await call(emulator, eventsPath(run.structure_run_id), {
        method: "POST",
        key: run.apiKey,
        body: JSON.stringify([envelope("Small")]),
      });
      expect(small.status).toBe(202);
      expect(emulator.events(run.structure_run_id).map((e) => e.type)).toEqual(["Small"]);
    });

    it("answers a chunked body promptly once it crosses the limit, without reading the rest", async () => {
      const emulator = await startEmulator({ maxBodyBytes: 1024 });
      const run = emulator.createRun();
      const target = new URL(`${emulator.url}${eventsPath(run.structure_run_id)}`);
      // 64 MiB offered in 64 KiB chunks: reading it all would take far longer than the answer does.
      const offered = 64 * 1024 * 1024;
      const started = Date.now();
      const outcome = await new Promise<{ status: number | undefined; body: string; sent: number }>(
        (resolve, reject) => {
          let sent = 0;
          const req = request(target, {
            method: "POST",
            headers: { authorization: `Bearer ${run.apiKey}`, "content-type": "application/json" },
          });
          req.on("response", (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
              body += chunk;
            });
            res.on("end", () => resolve({ status: res.statusCode, body, sent }));
            res.on("error", reject);
          });
          req.on("error", reject);
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          const pump = (): void => {
            while (sent < offered) {
              if (req.destroyed) return;
              sent += chunk.length;
              if (!req.write(chunk)) {
                req.once("drain", pump);
                return;
              }
            }
            req.end();
          };
          pump();
        },
      );
      expect(outcome.status).toBe(413);
      expect(ApiErrorBodySchema.parse(JSON.parse(outcome.body)).error.code).toBe("payload_too_large");
      expect(outcome.sent).toBeLessThan(offered);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(emulator.events(run.structure_run_id)).toEqual([]);
    });
  });
});
