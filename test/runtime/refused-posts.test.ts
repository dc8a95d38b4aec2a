// The emulator counts the event POSTs it refuses, by reason, in total and per run when the path's run exists
// (run's summary reads them: a refused POST may have carried the FinishStructureRunEvent).
import { describe, expect, it } from "vitest";
import { refusedEventPosts } from "../../src/runtime/events-api-emulator.js";
import { call, startEmulator } from "./emulator-harness.js";

describe("refused event POSTs", () => {
  it("are counted by reason, per existing run and in total; accepted POSTs and reads are not", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const other = emulator.createRun();
    const path = (id: string) => `/api/structure-runs/${id}/events`;
    const unknown = "00000000-0000-4000-8000-000000000000";
    const post = (id: string, key?: string, body = "[]") => call(emulator, path(id), { method: "POST", key, body });
    expect((await post(run.structure_run_id, "wrong")).status).toBe(401);
    expect((await post(run.structure_run_id)).status).toBe(401);
    expect((await post(other.structure_run_id, run.apiKey)).status).toBe(403);
    expect((await post(unknown, run.apiKey)).status).toBe(403);
    expect((await post(unknown, emulator.apiKey)).status).toBe(404);
    expect((await post(run.structure_run_id, run.apiKey, "{")).status).toBe(400);
    expect((await post(run.structure_run_id, run.apiKey)).status).toBe(202);
    expect((await call(emulator, path(run.structure_run_id), { key: "wrong" })).status).toBe(401);

    expect([...refusedEventPosts(emulator, run.structure_run_id)]).toEqual([
      ["401 wrong API key", 1],
      ["401 no API key", 1],
      ["400 invalid JSON", 1],
    ]);
    expect([...refusedEventPosts(emulator, other.structure_run_id)]).toEqual([["403 key and run id do not match", 1]]);
    expect([...refusedEventPosts(emulator, unknown)]).toEqual([]);
    expect([...refusedEventPosts(emulator)]).toEqual([
      ["401 wrong API key", 1],
      ["401 no API key", 1],
      ["403 key and run id do not match", 2],
      ["404 unknown run id", 1],
      ["400 invalid JSON", 1],
    ]);
  });
});
