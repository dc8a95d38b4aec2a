import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, InvalidEventError } from "../../src/index.js";
import {
  ApiErrorBodySchema,
  EmulatorStateError,
  type EventDetail,
  EventDetailSchema,
  EventsApiEmulator,
  EventsClient,
  EventsPageSchema,
  RunStateError,
  StructureRunResourceSchema,
  type SystemEventDetail,
  SystemEventDetailSchema,
  UnknownRunError,
} from "../../src/local.js";
import { formatSystemTime } from "../../src/runtime/clock.js";
import { call, readFixture, readFixtureText, startEmulator } from "./emulator-harness.js";

const systemFixture = readFixture("system-events.json") as Record<string, unknown>[];
const DASHED_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CREATED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const SYSTEM_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

const tempDirs: string[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "emulator-test-"));
  tempDirs.push(dir);
  return dir;
}

/** The JSON type of a value, with "null" and "array" told apart. */
function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Same keys in the same order, same value kinds, recursively through objects. */
function expectSameShape(actual: unknown, expected: unknown, path = "$"): void {
  expect(kind(actual), path).toBe(kind(expected));
  if (kind(expected) !== "object") return;
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  expect(Object.keys(a), path).toEqual(Object.keys(e));
  for (const key of Object.keys(e)) expectSameShape(a[key], e[key], `${path}.${key}`);
}

function recordLifecycle(emulator: EventsApiEmulator, runId: string): SystemEventDetail[] {
  const startedAt = formatSystemTime();
  return [
    emulator.recordSystemEvent(runId, "StructureRunStarting", { status: "STARTING" }),
    emulator.recordSystemEvent(runId, "StructureRunRunning", { status: "RUNNING", started_at: startedAt }),
    emulator.recordSystemEvent(runId, "StructureRunCompleted", {
      status: "SUCCEEDED",
      started_at: startedAt,
      completed_at: formatSystemTime(),
      status_detail: { reason: "Completed", message: null, exit_code: 0 },
    }),
  ];
}

describe("SYSTEM events", () => {
  it("are stored exactly in the fixture's shape, key by key, and parse with SystemEventDetailSchema", async () => {
    const emulator = await startEmulator();
    const ok = emulator.createRun();
    const failed = emulator.createRun();
    const recorded = [
      ...recordLifecycle(emulator, ok.structure_run_id),
      emulator.recordSystemEvent(failed.structure_run_id, "StructureRunError", {
        status: "ERROR",
        status_detail: { error: "Error message" },
      }),
    ];
    const stored = [...emulator.events(ok.structure_run_id), ...emulator.events(failed.structure_run_id)];
    expect(stored).toEqual(recorded);
    expect(stored.map((e) => e.type)).toEqual(systemFixture.map((e) => e.type));
    stored.forEach((detail, i) => {
      expectSameShape(detail, systemFixture[i]);
      const parsed = SystemEventDetailSchema.parse(detail);
      expect(parsed.origin).toBe("SYSTEM");
      expect(detail.event_id).toMatch(DASHED_UUID);
      expect(detail.created_at).toMatch(CREATED_AT);
      // timestamp is float epoch seconds, the same instant as created_at.
      expect(Math.abs(detail.timestamp * 1000 - Date.parse(detail.created_at))).toBeLessThan(1);
      const payload = detail.payload as Record<string, unknown>;
      for (const key of ["started_at", "completed_at"]) {
        if (key in payload) expect(payload[key]).toMatch(SYSTEM_TIME);
      }
    });
    expect(stored[0]?.structure_run).toBe(ok.structure_run_id);
    expect(stored[3]?.structure_run).toBe(failed.structure_run_id);
  });

  it("move the run's status, updated_at, completed_at and status_detail, seen in-process and over HTTP", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun({ structureId: "structure-1", args: ["a", "b"] });
    expect(run.status).toBe("QUEUED");
    expect(run.structure_run_id).toMatch(DASHED_UUID);
    const statuses: string[] = [];
    const startedAt = formatSystemTime();
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunStarting", { status: "STARTING" });
    statuses.push(emulator.getRun(run.structure_run_id)?.status ?? "");
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunRunning", {
      status: "RUNNING",
      started_at: startedAt,
    });
    statuses.push(emulator.getRun(run.structure_run_id)?.status ?? "");
    const completed = emulator.recordSystemEvent(run.structure_run_id, "StructureRunCompleted", {
      status: "FAILED",
      started_at: startedAt,
      completed_at: formatSystemTime(),
      status_detail: { reason: "Failed", message: "exit code 3", exit_code: 3 },
    });
    statuses.push(emulator.getRun(run.structure_run_id)?.status ?? "");
    expect(statuses).toEqual(["STARTING", "RUNNING", "FAILED"]);

    const res = await call(emulator, `/api/structure-runs/${run.structure_run_id}`, { key: run.apiKey });
    expect(res.status).toBe(200);
    const resource = StructureRunResourceSchema.parse(res.json);
    expect(resource).toEqual({
      structure_run_id: run.structure_run_id,
      structure_id: "structure-1",
      status: "FAILED",
      created_at: run.created_at,
      updated_at: completed.created_at,
      completed_at: completed.created_at,
      args: ["a", "b"],
      output: null,
      status_detail: { reason: "Failed", message: "exit code 3", exit_code: 3 },
      env_var_names: [],
    });
  });

  it("StructureRunError ends the run with status ERROR", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunStarting", { status: "STARTING" });
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunError", {
      status: "ERROR",
      status_detail: { error: "spawn ENOENT" },
    });
    const after = emulator.getRun(run.structure_run_id);
    expect(after?.status).toBe("ERROR");
    expect(after?.status_detail).toEqual({ error: "spawn ENOENT" });
    expect(after?.completed_at).toMatch(CREATED_AT);
  });

  it("refuse a payload that does not match its schema, listing the paths, and store nothing", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const bad = (): unknown =>
      emulator.recordSystemEvent(run.structure_run_id, "StructureRunRunning", {
        status: "RUNNING",
        // @ts-expect-error -- a number where the wire has a date-time string
        started_at: 5,
      });
    expect(bad).toThrow(InvalidEventError);
    try {
      bad();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidEventError);
      expect((err as InvalidEventError).code).toBe("ERR_INVALID_EVENT");
      expect((err as InvalidEventError).issues.map((i) => i.path)).toEqual([["started_at"]]);
    }
    expect(() =>
      emulator.recordSystemEvent(run.structure_run_id, "StructureRunCompleted", {
        status: "SUCCEEDED",
        started_at: "yesterday",
        completed_at: formatSystemTime(),
        status_detail: { reason: "Completed", message: null, exit_code: 0 },
      }),
    ).toThrow(InvalidEventError);
    expect(emulator.events(run.structure_run_id)).toEqual([]);
    expect(emulator.getRun(run.structure_run_id)?.status).toBe("QUEUED");
  });

  it("refuse moves backwards and anything after a terminal event (RunStateError)", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const id = run.structure_run_id;
    emulator.recordSystemEvent(id, "StructureRunRunning", { status: "RUNNING", started_at: formatSystemTime() });
    expect(() => emulator.recordSystemEvent(id, "StructureRunStarting", { status: "STARTING" })).toThrow(RunStateError);
    expect(() =>
      emulator.recordSystemEvent(id, "StructureRunRunning", { status: "RUNNING", started_at: formatSystemTime() }),
    ).toThrow(RunStateError);
    emulator.recordSystemEvent(id, "StructureRunError", { status: "ERROR", status_detail: { error: "boom" } });
    expect(() =>
      emulator.recordSystemEvent(id, "StructureRunError", { status: "ERROR", status_detail: { error: "again" } }),
    ).toThrow(RunStateError);
    expect(emulator.events(id).map((e) => e.type)).toEqual(["StructureRunRunning", "StructureRunError"]);
  });

  it("unknown runs throw UnknownRunError; getRun answers undefined", async () => {
    const emulator = await startEmulator();
    expect(() => emulator.recordSystemEvent("nope", "StructureRunStarting", { status: "STARTING" })).toThrow(
      UnknownRunError,
    );
    expect(() => emulator.events("nope")).toThrow(UnknownRunError);
    expect(emulator.getRun("nope")).toBeUndefined();
  });

  it("interleave with USER events in storage order on the list route", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const id = run.structure_run_id;
    emulator.recordSystemEvent(id, "StructureRunStarting", { status: "STARTING" });
    emulator.recordSystemEvent(id, "StructureRunRunning", { status: "RUNNING", started_at: formatSystemTime() });
    const post = await call(emulator, `/api/structure-runs/${id}/events`, {
      method: "POST",
      key: run.apiKey,
      body: readFixtureText("user-events-post.json"),
    });
    expect(post.status).toBe(202);
    emulator.recordSystemEvent(id, "StructureRunCompleted", {
      status: "SUCCEEDED",
      started_at: formatSystemTime(),
      completed_at: formatSystemTime(),
      status_detail: { reason: "Completed", message: null, exit_code: 0 },
    });
    const page = EventsPageSchema.parse(
      (await call(emulator, `/api/structure-runs/${id}/events`, { key: run.apiKey })).json,
    );
    expect(page.events.map((e) => `${e.origin}:${e.type}`)).toEqual([
      "SYSTEM:StructureRunStarting",
      "SYSTEM:StructureRunRunning",
      "USER:TextChunkEvent",
      "USER:FinishStructureRunEvent",
      "SYSTEM:StructureRunCompleted",
    ]);
    expect(emulator.getRun(id)?.output).toMatchObject({ type: "TextArtifact", value: "Hello" });
  });
});

describe("EventsApiEmulator lifecycle and options", () => {
  it("listens on 127.0.0.1 with a free port and a generated master key by default", async () => {
    const a = await startEmulator();
    const b = await startEmulator();
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(a.url).not.toBe(b.url);
    expect(a.apiKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.apiKey).not.toBe(b.apiKey);
    const run = a.createRun();
    expect(run.apiKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(run.apiKey).not.toBe(a.apiKey);
  });

  it("uses a given master key", async () => {
    const emulator = await startEmulator({ apiKey: "my-master-key" });
    expect(emulator.apiKey).toBe("my-master-key");
    const run = emulator.createRun();
    const res = await call(emulator, `/api/structure-runs/${run.structure_run_id}`, { key: "my-master-key" });
    expect(res.status).toBe(200);
  });

  it("refuses bad options with a ConfigError naming the option, without echoing a key", () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ port: -1 }, "port"],
      [{ port: 70_000 }, "port"],
      [{ maxBodyBytes: 0 }, "maxBodyBytes"],
      [{ host: "" }, "host"],
      [{ apiKey: "has space" }, "apiKey"],
      [{ keepAliveIntervalMs: 1.5 }, "keepAliveIntervalMs"],
    ];
    for (const [options, variable] of bad) {
      let caught: unknown;
      try {
        new EventsApiEmulator(options);
      } catch (err) {
        caught = err;
      }
      expect(caught, variable).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).variable).toBe(variable);
      expect((caught as ConfigError).message).not.toContain("has space");
    }
  });

  it("refuses a key a header cannot carry, and delays Node's timers cannot hold", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("\n", "\u0001", "é", "😀", "\u007f", "\t"),
        fc.string({ maxLength: 8 }),
        (bad, rest) => {
          const key = `Key${bad}${rest}`;
          let caught: unknown;
          try {
            new EventsApiEmulator({ apiKey: key });
          } catch (err) {
            caught = err;
          }
          expect(caught).toBeInstanceOf(ConfigError);
          expect((caught as ConfigError).variable).toBe("apiKey");
          expect((caught as Error).message).not.toContain(key);
        },
      ),
    );
    for (const option of ["headersTimeoutMs", "bodyTimeoutMs", "streamStallTimeoutMs", "keepAliveIntervalMs"]) {
      expect(() => new EventsApiEmulator({ [option]: 2 ** 31 })).toThrow(ConfigError);
    }
  });

  it("takes the master key from GT_EMULATOR_API_KEY when no option is given; the option wins", () => {
    expect(new EventsApiEmulator({ env: { GT_EMULATOR_API_KEY: "from-env" } }).apiKey).toBe("from-env");
    expect(new EventsApiEmulator({ apiKey: "from-option", env: { GT_EMULATOR_API_KEY: "from-env" } }).apiKey).toBe(
      "from-option",
    );
    expect(new EventsApiEmulator({ env: {} }).apiKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    let caught: unknown;
    try {
      new EventsApiEmulator({ env: { GT_EMULATOR_API_KEY: "bad key\nsecret" } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe("GT_EMULATOR_API_KEY");
    expect((caught as Error).message).not.toContain("secret");
  });

  it("url throws before start and after close; start is idempotent; start after close rejects", async () => {
    const emulator = new EventsApiEmulator();
    expect(() => emulator.url).toThrow(EmulatorStateError);
    await Promise.all([emulator.start(), emulator.start()]);
    const url = emulator.url;
    await emulator.start();
    expect(emulator.url).toBe(url);
    await emulator.close();
    await emulator.close();
    expect(() => emulator.url).toThrow(EmulatorStateError);
    await expect(emulator.start()).rejects.toBeInstanceOf(EmulatorStateError);
    await expect(fetch(`${url}/api/structure-runs/x`)).rejects.toThrow();
  });

  it("close() before start() resolves", async () => {
    const emulator = new EventsApiEmulator();
    await emulator.close();
    await expect(emulator.start()).rejects.toBeInstanceOf(EmulatorStateError);
  });

  it("start() rejects when the port is taken: a ConfigError naming port, saying so in words", async () => {
    const first = await startEmulator();
    const port = Number(new URL(first.url).port);
    const second = new EventsApiEmulator({ port });
    const error = await second.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: "ERR_CONFIG", variable: "port" });
    expect((error as Error).message).toBe(
      `cannot listen on 127.0.0.1:${port}: the port is in use; choose another (0 picks a free one)`,
    );
    await second.close();
  });

  it("start() rejects for an address that is not this machine's: a ConfigError naming host", async () => {
    // TEST-NET-1 (RFC 5737): never assigned to a machine, so listening on it fails without any packet sent.
    const emulator = new EventsApiEmulator({ host: "192.0.2.1" });
    const error = await emulator.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "ERR_CONFIG", variable: "host" });
    expect((error as Error).message).toContain("192.0.2.1 is not an address of this machine");
    await emulator.close();
  });

  it("url is where this machine reaches it: loopback when bound to a wildcard address", async () => {
    for (const [host, pattern] of [
      ["0.0.0.0", /^http:\/\/127\.0\.0\.1:\d+$/],
      ["::", /^http:\/\/\[::1\]:\d+$/],
      ["::1", /^http:\/\/\[::1\]:\d+$/],
      ["127.0.0.1", /^http:\/\/127\.0\.0\.1:\d+$/],
    ] as const) {
      const emulator = await startEmulator({ host });
      expect(emulator.url, host).toMatch(pattern);
      // The URL works, and a client with the driver's checks takes it.
      const client = new EventsClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
      const run = emulator.createRun();
      expect((await client.getRun(run.structure_run_id)).status).toBe("QUEUED");
    }
  });

  it("answers 404 for unknown routes and 405 with Allow for wrong methods", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const id = run.structure_run_id;
    const notFound = await call(emulator, "/api/nothing", { key: emulator.apiKey });
    expect(notFound.status).toBe(404);
    expect(ApiErrorBodySchema.parse(notFound.json).error.code).toBe("not_found");
    const cases: [string, string, string][] = [
      [`/api/structure-runs/${id}/events`, "DELETE", "GET, HEAD, POST"],
      [`/api/structure-runs/${id}/events/stream`, "POST", "GET, HEAD"],
      [`/api/structure-runs/${id}`, "PUT", "GET, HEAD"],
      ["/api/structures/s/runs", "GET", "POST"],
    ];
    for (const [path, method, allow] of cases) {
      const res = await call(emulator, path, { method, key: emulator.apiKey });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get("allow")).toBe(allow);
      expect(ApiErrorBodySchema.parse(res.json).error.code).toBe("method_not_allowed");
    }
  });

  it("GET run needs a key: 401 without, 403 with another run's, 404 for an unknown run", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const other = emulator.createRun();
    const path = `/api/structure-runs/${run.structure_run_id}`;
    expect((await call(emulator, path)).status).toBe(401);
    expect((await call(emulator, path, { key: other.apiKey })).status).toBe(403);
    expect((await call(emulator, "/api/structure-runs/unknown", { key: emulator.apiKey })).status).toBe(404);
  });

  it("calls onEvent for every stored event, SYSTEM and USER, in storage order", async () => {
    const emulator = await startEmulator();
    const seen: EventDetail[] = [];
    emulator.onEvent = (event) => {
      seen.push(event);
    };
    const run = emulator.createRun();
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunStarting", { status: "STARTING" });
    await call(emulator, `/api/structure-runs/${run.structure_run_id}/events`, {
      method: "POST",
      key: run.apiKey,
      body: readFixtureText("user-events-post.json"),
    });
    expect(seen).toEqual(emulator.events(run.structure_run_id));
    expect(seen).toHaveLength(3);
  });
});

describe("eventsFile", () => {
  it("appends one valid EventDetail per line, SYSTEM and USER, in storage order", async () => {
    const file = join(tempDir(), "events.ndjson");
    writeFileSync(file, "");
    const emulator = await startEmulator({ eventsFile: file });
    const run = emulator.createRun();
    const id = run.structure_run_id;
    emulator.recordSystemEvent(id, "StructureRunStarting", { status: "STARTING" });
    emulator.recordSystemEvent(id, "StructureRunRunning", { status: "RUNNING", started_at: formatSystemTime() });
    await call(emulator, `/api/structure-runs/${id}/events`, {
      method: "POST",
      key: run.apiKey,
      body: readFixtureText("user-events-post.json"),
    });
    emulator.recordSystemEvent(id, "StructureRunError", { status: "ERROR", status_detail: { error: "x" } });
    const stored = emulator.events(id);
    await emulator.close();

    const text = readFileSync(file, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.slice(0, -1).split("\n");
    expect(lines).toHaveLength(5);
    const parsed = lines.map((line) => JSON.parse(line) as unknown);
    for (const detail of parsed) EventDetailSchema.parse(detail);
    expect(parsed).toEqual(stored);
  });

  it("appends to an existing file rather than truncating it", async () => {
    const file = join(tempDir(), "events.ndjson");
    writeFileSync(file, '{"earlier":true}\n');
    const emulator = await startEmulator({ eventsFile: file });
    const run = emulator.createRun();
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunStarting", { status: "STARTING" });
    await emulator.close();
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe('{"earlier":true}');
    expect(SystemEventDetailSchema.parse(JSON.parse(lines[1] ?? "")).type).toBe("StructureRunStarting");
  });

  it("start() rejects when the file cannot be opened: a ConfigError naming eventsFile, saying why", async () => {
    const dir = tempDir();
    const missing = join(dir, "missing-dir", "events.ndjson");
    const emulator = new EventsApiEmulator({ eventsFile: missing });
    const error = await emulator.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: "ERR_CONFIG", variable: "eventsFile" });
    expect((error as Error).message).toBe(
      `cannot write the events file ${JSON.stringify(missing)}: its directory does not exist (ENOENT)`,
    );
    await emulator.close();
    const directory = new EventsApiEmulator({ eventsFile: dir });
    await expect(directory.start()).rejects.toThrow(/: it is a directory \(EISDIR\)$/);
    await directory.close();
  });
});
