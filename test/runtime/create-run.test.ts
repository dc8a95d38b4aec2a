import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { UserEventsPostBodySchema } from "../../src/index.js";
import { ApiErrorBodySchema, type StructureRun, StructureRunResourceSchema } from "../../src/local.js";
import { call, readFixture, startEmulator } from "./emulator-harness.js";

const SECRET = "s3cret-value-never-echoed";

describe("POST /api/structures/{structureId}/runs", () => {
  it("creates a run with args and env_vars (Cloud's list form), calls onRunCreated, never echoes values", async () => {
    const emulator = await startEmulator();
    const created: StructureRun[] = [];
    emulator.onRunCreated = (run) => {
      created.push(run);
    };
    const res = await call(emulator, "/api/structures/my-structure/runs", {
      method: "POST",
      key: emulator.apiKey,
      body: JSON.stringify({
        args: ["--name", "Ada"],
        env_vars: [
          { name: "OPENAI_API_KEY", value: SECRET, source: "manual" },
          { name: "MODE", value: "fast" },
        ],
      }),
    });
    expect(res.status).toBe(201);
    expect(res.text).not.toContain(SECRET);
    expect(res.text).not.toContain("fast");
    const resource = StructureRunResourceSchema.parse(res.json);
    expect(resource).toMatchObject({
      structure_id: "my-structure",
      status: "QUEUED",
      args: ["--name", "Ada"],
      output: null,
      completed_at: null,
      status_detail: null,
      env_var_names: ["MODE", "OPENAI_API_KEY"],
    });
    expect(res.headers.get("location")).toBe(`/api/structure-runs/${resource.structure_run_id}`);
    expect(res.json).not.toHaveProperty("apiKey");

    expect(created).toHaveLength(1);
    const run = created[0];
    expect(run?.structure_run_id).toBe(resource.structure_run_id);
    expect(run?.envVars).toEqual({ OPENAI_API_KEY: SECRET, MODE: "fast" });
    expect(run?.apiKey).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const read = await call(emulator, `/api/structure-runs/${resource.structure_run_id}`, { key: emulator.apiKey });
    expect(read.status).toBe(200);
    expect(read.text).not.toContain(SECRET);
    expect(StructureRunResourceSchema.parse(read.json)).toEqual(resource);

    // The new run's own key posts its events.
    const post = await call(emulator, `/api/structure-runs/${resource.structure_run_id}/events`, {
      method: "POST",
      key: run?.apiKey,
      body: JSON.stringify(UserEventsPostBodySchema.parse(readFixture("user-events-post.json"))),
    });
    expect(post.status).toBe(202);
  });

  it("accepts env_vars as an object map, and an empty body", async () => {
    const emulator = await startEmulator();
    const created: StructureRun[] = [];
    emulator.onRunCreated = (run) => {
      created.push(run);
    };
    const map = await call(emulator, "/api/structures/s/runs", {
      method: "POST",
      key: emulator.apiKey,
      body: JSON.stringify({ env_vars: { TOKEN: SECRET } }),
    });
    expect(map.status).toBe(201);
    expect(map.text).not.toContain(SECRET);
    expect(StructureRunResourceSchema.parse(map.json).env_var_names).toEqual(["TOKEN"]);

    const empty = await call(emulator, "/api/structures/s/runs", { method: "POST", key: emulator.apiKey, body: "" });
    expect(empty.status).toBe(201);
    expect(StructureRunResourceSchema.parse(empty.json)).toMatchObject({ args: [], env_var_names: [] });
    expect(created.map((r) => r.envVars)).toEqual([{ TOKEN: SECRET }, {}]);
  });

  it("needs the master key: 401 without a key, 403 with a run key", async () => {
    const emulator = await startEmulator();
    let calls = 0;
    emulator.onRunCreated = () => {
      calls++;
    };
    const run = emulator.createRun();
    expect((await call(emulator, "/api/structures/s/runs", { method: "POST", body: "{}" })).status).toBe(401);
    const forbidden = await call(emulator, "/api/structures/s/runs", { method: "POST", key: run.apiKey, body: "{}" });
    expect(forbidden.status).toBe(403);
    expect(ApiErrorBodySchema.parse(forbidden.json).error.code).toBe("forbidden");
    expect(calls).toBe(0);
  });

  for (const [name, body, path] of [
    ["args not an array", { args: "a b" }, ["args"]],
    ["a non-string arg", { args: ["a", 1] }, ["args", 1]],
    ["an env var without value", { env_vars: [{ name: "A" }] }, ["env_vars"]],
    ["a body that is an array", [], []],
  ] as const) {
    it(`answers 400 for ${name}`, async () => {
      const emulator = await startEmulator();
      let calls = 0;
      emulator.onRunCreated = () => {
        calls++;
      };
      const res = await call(emulator, "/api/structures/s/runs", {
        method: "POST",
        key: emulator.apiKey,
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      const error = ApiErrorBodySchema.parse(res.json).error;
      expect(error.code).toBe("invalid_body");
      expect(error.issues?.[0]?.path).toEqual(path);
      expect(calls).toBe(0);
    });
  }

  it("answers 201 even when onRunCreated throws or rejects, and logs it without the key", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString("utf8"));
        callback();
      },
    });
    const emulator = await startEmulator({ logger: pino({ level: "error" }, sink) });
    emulator.onRunCreated = () => {
      throw new Error("hook exploded");
    };
    expect(
      (await call(emulator, "/api/structures/s/runs", { method: "POST", key: emulator.apiKey, body: "{}" })).status,
    ).toBe(201);
    emulator.onRunCreated = () => Promise.reject(new Error("hook rejected"));
    expect(
      (await call(emulator, "/api/structures/s/runs", { method: "POST", key: emulator.apiKey, body: "{}" })).status,
    ).toBe(201);
    await new Promise((resolve) => setImmediate(resolve));
    const text = lines.join("");
    expect(text).toContain("hook exploded");
    expect(text).toContain("hook rejected");
    expect(text).not.toContain(emulator.apiKey);
  });
});
