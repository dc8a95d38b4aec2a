import { afterEach, describe, expect, it } from "vitest";
import { type FaultServer, type FaultServerOptions, startFaultServer } from "./fault-server.js";

// A real POST body (test/fixtures/user-events-post.json), inlined so the test does not depend on files outside the repo.
const fixture = JSON.stringify([
  {
    payload: {
      type: "TextChunkEvent",
      id: "4f0c3d2e9b8a4c6d8e7f1a2b3c4d5e6f",
      timestamp: 1726096550.1,
      meta: {},
      index: 0,
      token: "Hel",
    },
    timestamp: 1726096550.1,
    type: "TextChunkEvent",
  },
  {
    payload: {
      type: "FinishStructureRunEvent",
      id: "5a1b2c3d4e5f40718293a4b5c6d7e8f9",
      timestamp: 1726096550.9,
      meta: {},
      structure_id: null,
      output_task_input: null,
      output_task_output: {
        type: "TextArtifact",
        id: "6b2c3d4e5f60718293a4b5c6d7e8f90a",
        reference: null,
        meta: {},
        name: "6b2c3d4e5f60718293a4b5c6d7e8f90a",
        value: "Hello",
      },
    },
    timestamp: 1726096550.9,
    type: "FinishStructureRunEvent",
  },
]);
const fixturePayloads: unknown[] = (JSON.parse(fixture) as { payload: unknown }[]).map((e) => e.payload);

const servers: FaultServer[] = [];

async function start(options?: FaultServerOptions): Promise<FaultServer> {
  const server = await startFaultServer(options);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function envelope(type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const timestamp = 1726096550.5;
  return { payload: { type, id: "0".repeat(32), timestamp, meta: {}, ...extra }, timestamp, type };
}

function post(
  server: FaultServer,
  runId: string,
  body: unknown,
  init: { key?: string | null; raw?: boolean; signal?: AbortSignal } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const key = init.key === undefined ? "test-key" : init.key;
  if (key !== null) headers.Authorization = `Bearer ${key}`;
  const text = init.raw && typeof body === "string" ? body : JSON.stringify(body);
  return fetch(`${server.url}/api/structure-runs/${encodeURIComponent(runId)}/events`, {
    method: "POST",
    headers,
    body: text,
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

async function statusOf(promise: Promise<Response>): Promise<number | "error"> {
  try {
    const res = await promise;
    await res.arrayBuffer();
    return res.status;
  } catch {
    return "error";
  }
}

describe("fault server: normal operation", () => {
  it("binds 127.0.0.1 and records accepted batches in arrival order", async () => {
    const server = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const first = await post(server, "run-1", JSON.parse(fixture), {});
    expect(first.status).toBe(202);
    expect(await first.text()).toBe("");

    const second = await post(server, "run 2/x", [envelope("TextChunkEvent", { index: 1, token: "lo" })]);
    expect(second.status).toBe(202);
    const third = await post(server, "run-1", [envelope("CustomEvent")]);
    expect(third.status).toBe(202);

    expect(server.batches.map((b) => b.runId)).toEqual(["run-1", "run 2/x", "run-1"]);
    expect(server.batches[0]?.envelopes).toEqual(JSON.parse(fixture));
    expect(server.batches[0]?.bytes).toBe(Buffer.byteLength(JSON.stringify(JSON.parse(fixture))));
    for (const b of server.batches) expect(typeof b.at).toBe("number");

    expect(server.events("run-1")).toEqual([...fixturePayloads, envelope("CustomEvent").payload]);
    expect(server.events()).toHaveLength(4);
    expect(server.events("nope")).toEqual([]);

    expect(server.requests.map((r) => [r.method, r.status])).toEqual([
      ["POST", 202],
      ["POST", 202],
      ["POST", 202],
    ]);
    expect(server.requests[1]?.path).toBe("/api/structure-runs/run%202%2Fx/events");
    expect(server.requests[0]?.headers["content-type"]).toBe("application/json");
  });

  it("answers 401 without a key or with a wrong key", async () => {
    const server = await start({ apiKey: "s3cret" });
    const none = await post(server, "r", [envelope("A")], { key: null });
    expect(none.status).toBe(401);
    const wrong = await post(server, "r", [envelope("A")], { key: "test-key" });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toHaveProperty("error");
    const right = await post(server, "r", [envelope("A")], { key: "s3cret" });
    expect(right.status).toBe(202);
    expect(server.batches).toHaveLength(1);
    expect(server.requests.map((r) => r.status)).toEqual([401, 401, 202]);
  });

  it("answers 413 over maxBodyBytes, after the auth check, and keeps the connection usable", async () => {
    const server = await start({ maxBodyBytes: 1000 });
    const big = [envelope("Big", { blob: "x".repeat(5000) })];
    const tooBig = await post(server, "r", big);
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toHaveProperty("error");
    expect(server.requests[0]?.bytes).toBeGreaterThan(5000);

    expect((await post(server, "r", big, { key: "wrong" })).status).toBe(401);
    const small = await post(server, "r", [envelope("Small")]);
    expect(small.status).toBe(202);
    expect(server.batches.map((b) => b.envelopes.length)).toEqual([1]);
  });

  it("answers 400 with the problem listed for invalid bodies", async () => {
    const server = await start();
    const cases: [unknown, boolean, RegExp][] = [
      ["{not json", true, /not valid JSON/],
      // The problems are the package's UserEventsPostBodySchema's, by path.
      [{ payload: {}, type: "A", timestamp: 1 }, false, /body: Invalid input: expected array/],
      [[{ type: "A", timestamp: 1 }], false, /\[0\]\.payload: Invalid input: expected object/],
      [[envelope("A"), { payload: { type: "A" }, timestamp: 1 }], false, /\[1\]\.type: Invalid input/],
      [[{ payload: {}, type: "A", timestamp: 1 }], false, /\[0\]\.payload\.type: Invalid input/],
      [[{ payload: { type: "A" }, type: "A", timestamp: "1" }], false, /\[0\]\.timestamp: Invalid input/],
      [["str"], false, /\[0\]: Invalid input: expected object/],
    ];
    for (const [body, raw, pattern] of cases) {
      const res = await post(server, "r", body, { raw });
      expect(res.status).toBe(400);
      const json: unknown = await res.json();
      expect(JSON.stringify(json)).toMatch(pattern);
    }
    expect(server.batches).toEqual([]);
  });

  it("answers 404 off the route and 405 for other methods on it", async () => {
    const server = await start();
    expect((await fetch(`${server.url}/api/structure-runs/r/other`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${server.url}/nothing`)).status).toBe(404);
    const get = await fetch(`${server.url}/api/structure-runs/r/events`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("serves the routes under pathPrefix", async () => {
    const server = await start({ pathPrefix: "/p/" });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/p$/);
    expect((await post(server, "r", [envelope("A")])).status).toBe(202);
    const origin = new URL(server.url).origin;
    const withoutPrefix = await fetch(`${origin}/api/structure-runs/r/events`, {
      method: "POST",
      headers: { Authorization: "Bearer test-key" },
      body: JSON.stringify([envelope("A")]),
    });
    expect(withoutPrefix.status).toBe(404);
    expect(server.batches).toHaveLength(1);
    expect(server.requests.map((r) => r.path)).toEqual([
      "/p/api/structure-runs/r/events",
      "/api/structure-runs/r/events",
    ]);
  });

  it("reset() clears faults, batches and requests", async () => {
    const server = await start();
    await post(server, "r", [envelope("A")]);
    server.queue({ kind: "status", status: 500 });
    server.setDown(true);
    server.reset();
    expect(server.batches).toEqual([]);
    expect(server.requests).toEqual([]);
    expect((await post(server, "r", [envelope("B")])).status).toBe(202);
    expect(server.events()).toEqual([envelope("B").payload]);
  });
});

describe("fault server: faults", () => {
  it("applies queued faults in FIFO order, before auth", async () => {
    const server = await start();
    server.queue(
      { kind: "status", status: 503 },
      { kind: "status", status: 429, retryAfter: "2", body: "slow down" },
      { kind: "status", status: 400, body: '{"error":"nope"}' },
    );
    const r1 = await post(server, "r", [envelope("A")], { key: null });
    expect(r1.status).toBe(503);
    await r1.arrayBuffer();
    const r2 = await post(server, "r", [envelope("A")]);
    expect(r2.status).toBe(429);
    expect(r2.headers.get("retry-after")).toBe("2");
    expect(await r2.text()).toBe("slow down");
    const r3 = await post(server, "r", [envelope("A")]);
    expect(r3.status).toBe(400);
    expect(await r3.json()).toEqual({ error: "nope" });
    expect((await post(server, "r", [envelope("A")])).status).toBe(202);
    expect(server.requests.map((r) => r.status)).toEqual([503, 429, 400, 202]);
    expect(server.batches).toHaveLength(1);
  });

  it("does not spend faults on requests off the route", async () => {
    const server = await start();
    server.queue({ kind: "status", status: 500 });
    expect((await fetch(`${server.url}/elsewhere`)).status).toBe(404);
    expect(await statusOf(post(server, "r", [envelope("A")]))).toBe(500);
  });

  it("reset makes fetch reject, then the server recovers", async () => {
    const server = await start();
    server.queue({ kind: "reset" });
    await expect(post(server, "r", [envelope("A")])).rejects.toThrow();
    expect((await post(server, "r", [envelope("B")])).status).toBe(202);
    expect(server.requests.map((r) => r.status)).toEqual(["reset", 202]);
    expect(server.events()).toEqual([envelope("B").payload]);
  });

  it("hang never answers; a client timeout aborts it and close() is prompt", async () => {
    const server = await start();
    server.queue({ kind: "hang" });
    const t0 = Date.now();
    await expect(post(server, "r", [envelope("A")], { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(server.requests[0]?.status).toBe("hang");
    expect(server.batches).toEqual([]);

    // A second hanging request is still open when close() runs: close must destroy it.
    server.queue({ kind: "hang" });
    const pending = post(server, "r", [envelope("B")]).then(
      () => "answered",
      () => "rejected",
    );
    await waitFor(() => server.requests.length === 2);
    const t1 = Date.now();
    await server.close();
    expect(Date.now() - t1).toBeLessThan(1000);
    expect(await pending).toBe("rejected");
  });

  it("hang with ms and delay answer 202 late and record the batch", async () => {
    const server = await start();
    server.queue({ kind: "delay", ms: 150 }, { kind: "hang", ms: 100 });
    const t0 = Date.now();
    const delayed = await post(server, "r", [envelope("A")]);
    expect(delayed.status).toBe(202);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    const hung = await post(server, "r", [envelope("B")]);
    expect(hung.status).toBe(202);
    expect(server.events()).toEqual([envelope("A").payload, envelope("B").payload]);
    expect(server.requests.map((r) => r.status)).toEqual([202, 202]);
  });

  it("a delayed request the client gave up on is still accepted (at-least-once duplicate)", async () => {
    const server = await start();
    server.queue({ kind: "hang", ms: 200 });
    await expect(post(server, "r", [envelope("A")], { signal: AbortSignal.timeout(50) })).rejects.toThrow();
    expect((await post(server, "r", [envelope("A")])).status).toBe(202);
    await waitFor(() => server.batches.length === 2);
    expect(server.events()).toEqual([envelope("A").payload, envelope("A").payload]);
    expect(server.requests.map((r) => r.status)).toEqual(["hang", 202]);
  });

  it("setFaultRate is deterministic for a seed, and queued faults take precedence", async () => {
    const faults = [
      { kind: "status", status: 500 },
      { kind: "status", status: 429, retryAfter: "0" },
    ] as const;
    async function sequence(seed: number, n: number): Promise<(number | "error")[]> {
      const server = await start();
      server.setFaultRate(0.5, [...faults], seed);
      const out: (number | "error")[] = [];
      for (let i = 0; i < n; i++) out.push(await statusOf(post(server, "r", [envelope(`E${i}`)])));
      return out;
    }
    const a = await sequence(42, 30);
    const b = await sequence(42, 30);
    const c = await sequence(7, 30);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a)).toEqual(new Set([202, 500, 429]));

    const server = await start();
    server.setFaultRate(1, [{ kind: "status", status: 500 }], 1);
    server.queue({ kind: "status", status: 418 });
    expect(await statusOf(post(server, "r", [envelope("A")]))).toBe(418);
    expect(await statusOf(post(server, "r", [envelope("A")]))).toBe(500);
    server.setFaultRate(0, []);
    expect(await statusOf(post(server, "r", [envelope("A")]))).toBe(202);
  });

  it("setDown answers every request with the outage fault until lifted", async () => {
    const server = await start();
    server.queue({ kind: "status", status: 500 });
    server.setDown(true);
    expect(await statusOf(post(server, "r", [envelope("A")]))).toBe(503);
    expect(await statusOf(post(server, "r", [envelope("A")]))).toBe(503);
    server.setDown(true, { kind: "reset" });
    expect(await statusOf(post(server, "r", [envelope("A")]))).toBe("error");
    server.setDown(false);
    // The queued fault survived the outage.
    expect(await statusOf(post(server, "r", [envelope("A")]))).toBe(500);
    expect(await statusOf(post(server, "r", [envelope("B")]))).toBe(202);
    expect(server.events()).toEqual([envelope("B").payload]);
  });

  it("rejects invalid faults and rates", async () => {
    const server = await start();
    expect(() => server.queue({ kind: "status", status: 99 })).toThrow(RangeError);
    expect(() => server.queue({ kind: "delay", ms: -1 })).toThrow(RangeError);
    expect(() => server.setFaultRate(2, [{ kind: "reset" }])).toThrow(RangeError);
    expect(() => server.setFaultRate(0.5, [])).toThrow(RangeError);
  });

  it("close() is idempotent", async () => {
    const server = await start();
    await server.close();
    await server.close();
    await expect(post(server, "r", [envelope("A")])).rejects.toThrow();
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("waitFor: timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}
