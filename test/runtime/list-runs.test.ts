import { describe, expect, it } from "vitest";
import { call, startEmulator } from "./emulator-harness.js";

describe("GET /api/structure-runs", () => {
  it("lists runs newest first, paged, as run resources, with an ETag that answers 304 until a run changes", async () => {
    const emulator = await startEmulator();
    const runs = [0, 1, 2].map((i) => emulator.createRun({ structureId: `s${i}` }));
    const first = await call(emulator, "/api/structure-runs?limit=2", { key: emulator.apiKey });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ count: 2, limit: 2, offset: 0, next_offset: 2, total_count: 3 });
    const listed = (first.json as { structure_runs: { structure_run_id: string }[] }).structure_runs;
    expect(listed.map((r) => r.structure_run_id)).toEqual([runs[2]!.structure_run_id, runs[1]!.structure_run_id]);
    expect(JSON.stringify(first.json)).not.toContain(runs[0]!.apiKey);
    const second = await call(emulator, "/api/structure-runs?offset=2", { key: emulator.apiKey });
    expect((second.json as { structure_runs: unknown[] }).structure_runs).toHaveLength(1);

    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^".+"$/);
    const same = await call(emulator, "/api/structure-runs?limit=2", {
      key: emulator.apiKey,
      headers: { "if-none-match": etag },
    });
    expect(same.status).toBe(304);
    expect(same.text).toBe("");
    emulator.recordSystemEvent(runs[2]!.structure_run_id, "StructureRunStarting", { status: "STARTING" });
    const changed = await call(emulator, "/api/structure-runs?limit=2", {
      key: emulator.apiKey,
      headers: { "if-none-match": etag },
    });
    expect(changed.status).toBe(200);
  });

  it("needs the master key: 401 without a key, 403 with a run's key, 400 for a bad query", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    expect((await call(emulator, "/api/structure-runs")).status).toBe(401);
    expect((await call(emulator, "/api/structure-runs", { key: run.apiKey })).status).toBe(403);
    const bad = await call(emulator, "/api/structure-runs?limit=-1", { key: emulator.apiKey });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: "invalid_query" } });
  });
});
