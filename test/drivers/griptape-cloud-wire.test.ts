/**
 * The exact wire shape of a POST (docs/wire-format.md).
 *
 * No interceptor (nock, undici's MockAgent) here: what is pinned is what reaches a socket. A tiny raw node:http
 * server on 127.0.0.1 captures the method, the raw request target, the headers and the raw body bytes, and
 * answers 202 like Griptape Cloud.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, EventBus, EventListener, GriptapeCloudEventListenerDriver } from "../../src/index.js";
import { readFixture } from "../support/fixtures.js";

interface Envelope {
  payload: Record<string, unknown> & { type: string };
  timestamp: number;
  type: string;
}
const fixture = readFixture("user-events-post.json") as Envelope[];

interface Captured {
  method: string;
  /** The raw request target as it arrived, undecoded and unnormalised. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface CaptureServer {
  origin: string;
  captured: Captured[];
}

const servers: Server[] = [];
const drivers: GriptapeCloudEventListenerDriver[] = [];

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.shutdown({ timeoutMs: 500 })));
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        }),
    ),
  );
});

async function startCapture(): Promise<CaptureServer> {
  const captured: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      captured.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      res.writeHead(202, { "Content-Length": 0 });
      res.end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    captured,
  };
}

function makeDriver(options: ConstructorParameters<typeof GriptapeCloudEventListenerDriver>[0]) {
  const driver = new GriptapeCloudEventListenerDriver({
    env: {},
    retryInitialDelayMs: 5,
    retryMaxDelayMs: 50,
    ...options,
  });
  drivers.push(driver);
  const bus = new EventBus();
  bus.addEventListener(new EventListener({ driver }));
  return { driver, bus };
}

describe("GriptapeCloudEventListenerDriver on the wire", () => {
  it("POSTs the fixture's events as the exact JSON array, headers and route of the Events API", async () => {
    const capture = await startCapture();
    const { driver, bus } = makeDriver({ baseUrl: capture.origin, apiKey: "gt-key-123", structureRunId: "run-42" });
    // The fixture's own payloads, with their own id, timestamp and meta.
    for (const envelope of fixture) bus.publishEvent(envelope.payload);
    expect(await driver.flush()).toEqual({ sent: fixture.length, failed: 0, dropped: 0, pending: 0 });

    expect(capture.captured).toHaveLength(1);
    const request = capture.captured[0]!;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("/api/structure-runs/run-42/events");
    expect(request.headers.authorization).toBe("Bearer gt-key-123");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["content-length"]).toBe(String(request.body.length));
    expect(request.headers["transfer-encoding"]).toBeUndefined();
    expect(JSON.parse(request.body.toString("utf8"))).toEqual(fixture);
    // Byte for byte too: key order {payload, timestamp, type} and the payload's Python to_dict order.
    expect(request.body.toString("utf8")).toBe(JSON.stringify(fixture));
  });

  it("keeps every event's order and sends non-ASCII text as UTF-8", async () => {
    const capture = await startCapture();
    const { driver, bus } = makeDriver({ baseUrl: capture.origin, apiKey: "k", structureRunId: "r" });
    bus.publishEvent({ type: "TextChunkEvent", index: 0, token: "héllo ✓ 😀" });
    bus.publishEvent({ type: "MyCustomEvent", answer: 42, nested: { list: [1, "two"] } });
    await driver.flush();
    const body = JSON.parse(capture.captured[0]!.body.toString("utf8")) as Envelope[];
    expect(body.map((e) => e.type)).toEqual(["TextChunkEvent", "MyCustomEvent"]);
    expect(body[0]!.payload.token).toBe("héllo ✓ 😀");
    expect(body[1]!.payload).toMatchObject({ type: "MyCustomEvent", answer: 42, nested: { list: [1, "two"] } });
    for (const e of body) expect(e.timestamp).toBe(e.payload.timestamp);
  });

  it.each([
    ["/p", "/p/api/structure-runs/run-1/events"],
    ["/p/", "/p/api/structure-runs/run-1/events"],
    ["/a/b/c", "/a/b/c/api/structure-runs/run-1/events"],
    ["", "/api/structure-runs/run-1/events"],
    ["/", "/api/structure-runs/run-1/events"],
  ])("keeps the base URL's own path %j", async (path, expected) => {
    const capture = await startCapture();
    const { driver, bus } = makeDriver({ baseUrl: capture.origin + path, apiKey: "k", structureRunId: "run-1" });
    bus.publishEvent({ type: "TextChunkEvent", index: 0, token: "x" });
    await driver.flush();
    expect(capture.captured.map((c) => c.url)).toEqual([expected]);
  });

  it("drops a base URL's query and fragment rather than sending them", async () => {
    const capture = await startCapture();
    const { driver, bus } = makeDriver({ baseUrl: `${capture.origin}/p?x=1#frag`, apiKey: "k", structureRunId: "r" });
    bus.publishEvent({ type: "A" });
    await driver.flush();
    expect(capture.captured.map((c) => c.url)).toEqual(["/p/api/structure-runs/r/events"]);
  });

  it.each([
    "../../admin",
    "a/b",
    "run?x=1",
    "run#frag",
    "a/../b",
    "..%2F..",
    "%2e%2e",
    "id with spaces & more",
    "ünïcode",
  ])("percent-encodes the run id %j so it never changes the route", async (runId) => {
    const capture = await startCapture();
    const { driver, bus } = makeDriver({ baseUrl: `${capture.origin}/p`, apiKey: "k", structureRunId: runId });
    bus.publishEvent({ type: "A" });
    expect(await driver.flush()).toMatchObject({ sent: 1 });
    const { url } = capture.captured[0]!;
    expect(url).toBe(`/p/api/structure-runs/${encodeURIComponent(runId)}/events`);
    // What a server or proxy that resolves dot segments sees: the same route, the id one segment.
    const { pathname, search, hash } = new URL(url, "http://host");
    expect(search).toBe("");
    expect(hash).toBe("");
    const segments = pathname.split("/");
    expect(segments).toHaveLength(6);
    expect(segments.slice(0, 4)).toEqual(["", "p", "api", "structure-runs"]);
    expect(segments[5]).toBe("events");
    expect(decodeURIComponent(segments[4]!)).toBe(runId);
  });

  it.each([".", ".."])("refuses the run id %j, a dot segment no encoding can keep in the route", (runId) => {
    expect(() => makeDriver({ baseUrl: "http://127.0.0.1:1", apiKey: "k", structureRunId: runId })).toThrow(
      ConfigError,
    );
    expect(() =>
      makeDriver({ baseUrl: "http://127.0.0.1:1", env: { GT_CLOUD_STRUCTURE_RUN_ID: runId, GT_CLOUD_API_KEY: "k" } }),
    ).toThrow(expect.objectContaining({ code: "ERR_CONFIG", variable: "GT_CLOUD_STRUCTURE_RUN_ID" }));
  });

  it("sends a key read from the environment without surrounding whitespace", async () => {
    const capture = await startCapture();
    const { driver, bus } = makeDriver({
      env: { GT_CLOUD_BASE_URL: capture.origin, GT_CLOUD_API_KEY: "env-key\n", GT_CLOUD_STRUCTURE_RUN_ID: " run-7 " },
    });
    bus.publishEvent({ type: "A" });
    await driver.flush();
    expect(capture.captured[0]!.headers.authorization).toBe("Bearer env-key");
    expect(capture.captured[0]!.url).toBe("/api/structure-runs/run-7/events");
  });
});
