// EventsClient against hostile servers on 127.0.0.1: answers that never end, are huge, deep, trickled, lie about
// their counts or are not what the route promises; streams that go silent or send a line without end; events
// that arrive twice. Every case ends with a typed error or the right events, within a bound.
import type { ServerResponse } from "node:http";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SseLimitError, SseParser } from "../../src/client/sse-parser.js";
import { ConfigError } from "../../src/index.js";
import { type EventDetail, EventsApiError, EventsClient } from "../../src/local.js";
import { within } from "../runtime/emulator-harness.js";
import { detail, RUN_ID, serve } from "../support/fake-events-api.js";

const KEY = "test-key-0123456789-very-secret";
const STREAM_PATH = `/api/structure-runs/${RUN_ID}/events/stream`;

const COMPLETED = (n: number) =>
  detail(n, "StructureRunCompleted", "SYSTEM", {
    status: "SUCCEEDED",
    started_at: "2024-09-11T23:15:47",
    completed_at: "2024-09-11T23:15:50",
    status_detail: { reason: "Completed", message: null, exit_code: 0 },
  });

function frame(offset: number, event: EventDetail): string {
  return `id: ${offset}\ndata: ${JSON.stringify(event)}\n\n`;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

async function collect(events: AsyncIterable<EventDetail>): Promise<EventDetail[]> {
  const out: EventDetail[] = [];
  for await (const event of events) out.push(event);
  return out;
}

/** Writes `chunk` while the client reads, until the response closes. */
function endless(res: ServerResponse, chunk: string): void {
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once("drain", pump);
  };
  pump();
}

describe("EventsClient refuses bad configuration at construction", () => {
  it("a key a header cannot carry (control characters, spaces, non-ASCII): ConfigError naming apiKey, never the key", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 10 }),
        fc.constantFrom("\n", "\r", "\u0001", " ", "\u007f", "é", "😀", "\u0000"),
        fc.string({ maxLength: 10 }),
        (before, bad, after) => {
          const key = `Sec${before}${bad}${after}`;
          let error: unknown;
          try {
            new EventsClient({ baseUrl: "http://127.0.0.1:1", apiKey: key });
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).variable).toBe("apiKey");
          if (key.trim().length > 3) expect((error as Error).message).not.toContain(key);
        },
      ),
    );
  });

  it("a base URL that is not http(s): ConfigError naming baseUrl, never echoing it (it may hold credentials)", () => {
    for (const baseUrl of ["ftp://user:pw@host", "not a url", "file:///etc/passwd"]) {
      let error: unknown;
      try {
        new EventsClient({ baseUrl, apiKey: KEY });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe("baseUrl");
      expect((error as Error).message).not.toContain("pw");
    }
  });

  it("a base URL the Cloud driver refuses is refused too: credentials in it, plain http off loopback", () => {
    const refusal = (options: { baseUrl: string; allowInsecureHttp?: boolean }): unknown => {
      try {
        new EventsClient({ ...options, apiKey: KEY });
      } catch (e) {
        return e;
      }
      return undefined;
    };
    for (const baseUrl of [
      "http://u:s3cret-pw@127.0.0.1:8080",
      "https://user@example.com",
      "https://u\\:s3cret-pw@h",
    ]) {
      const error = refusal({ baseUrl });
      expect(error, baseUrl).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ variable: "baseUrl" });
      expect((error as Error).message).toContain("must not carry credentials");
      expect((error as Error).message).not.toContain("s3cret");
    }
    // The key would travel in clear: refused unless asked for, as the driver does.
    const plain = refusal({ baseUrl: "http://example.com" });
    expect(plain).toBeInstanceOf(ConfigError);
    expect((plain as Error).message).toContain("plain http to example.com");
    expect((plain as Error).message).toContain("allowInsecureHttp");
    expect(refusal({ baseUrl: "http://example.com", allowInsecureHttp: true })).toBeUndefined();
    // Loopback and https need nothing.
    for (const baseUrl of [
      "http://127.0.0.1:9",
      "http://localhost:9",
      "http://[::1]:9",
      "https://example.com/prefix",
    ]) {
      expect(refusal({ baseUrl }), baseUrl).toBeUndefined();
    }
  });
});

describe("EventsClient reads JSON answers within bounds", () => {
  it("an answer that never ends: EventsApiError once past maxResponseBytes", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"events":[');
      endless(res, `"${"x".repeat(64 * 1024)}",`);
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY, maxResponseBytes: 1024 * 1024 });
    const error = await within(10_000, failure(client.listEvents(RUN_ID)), "the refused answer");
    expect(error).toBeInstanceOf(EventsApiError);
    expect((error as Error).message).toContain("larger than 1048576 bytes");
  });

  it("an error answer that never ends: the message holds its start, redacted, and reading stops", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.write(`oops ${KEY} `);
      endless(res, "y".repeat(64 * 1024));
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    const error = await within(10_000, failure(client.getRun(RUN_ID)), "the 500");
    expect(error).toMatchObject({ code: "ERR_EVENTS_API", status: 500 });
    const message = (error as Error).message;
    expect(message.length).toBeLessThan(400);
    expect(message).not.toContain(KEY);
  });

  it("an error answer holding escape sequences: the message quotes them escaped, never raw", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(401, { "content-type": "text/plain" });
      res.end("nope\u001b[31mRED\u001b]0;pwned\u0007\u009b2J");
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    const error = await within(10_000, failure(client.getRun(RUN_ID)), "the 401");
    expect(error).toMatchObject({ code: "ERR_EVENTS_API", status: 401 });
    expect((error as Error).message).toContain("nope\\u001b[31mRED\\u001b]0;pwned\\u0007\\u009b2J");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point.
    expect((error as Error).message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it("an answer trickled byte by byte: EventsApiError (status 0) at requestTimeoutMs", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(" ")), 20);
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY, requestTimeoutMs: 300 });
    const error = await within(5_000, failure(client.getRun(RUN_ID)), "the timed-out answer");
    expect(error).toMatchObject({ code: "ERR_EVENTS_API", status: 0 });
    expect((error as Error).message).toContain("within 300 ms");
  });

  it("deep, non-JSON or wrongly shaped answers: EventsApiError, never a RangeError or a zod error", async () => {
    const bodies = fc.oneof(
      fc.integer({ min: 1001, max: 200_000 }).map((d) => `${"[".repeat(d)}${"]".repeat(d)}`),
      fc.integer({ min: 1001, max: 50_000 }).map((d) => `${'{"a":'.repeat(d)}1${"}".repeat(d)}`),
      fc.string().filter((s) => {
        try {
          JSON.parse(s);
          return false;
        } catch {
          return true;
        }
      }),
      fc.json().filter((s) => !s.includes('"events"')),
    );
    let body = "";
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    await fc.assert(
      fc.asyncProperty(bodies, async (b) => {
        body = b;
        const error = await failure(client.listEvents(RUN_ID));
        expect(error).toBeInstanceOf(EventsApiError);
        expect((error as EventsApiError).status).toBe(200);
      }),
      { numRuns: 40 },
    );
  });

  it("a page whose count lies (count 5, no events) does not make polling spin", async () => {
    let lists = 0;
    const base = await serve((_req, res, url) => {
      if (url.pathname === STREAM_PATH) {
        res.writeHead(404).end();
        return;
      }
      lists++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ events: [], count: 5, limit: 100, offset: 0, next_offset: 5, total_count: 5 }));
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    const error = await failure(
      collect(client.streamEvents(RUN_ID, { pollIntervalMs: 100, signal: AbortSignal.timeout(600) })),
    );
    expect(error).toBeDefined();
    expect(lists).toBeGreaterThan(0);
    expect(lists).toBeLessThan(15);
  });
});

describe("EventsClient streams within bounds", () => {
  it("a line without end: EventsApiError once past maxEventBytes, not retried", async () => {
    let connections = 0;
    const base = await serve((_req, res) => {
      connections++;
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: ");
      endless(res, "z".repeat(64 * 1024));
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY, maxEventBytes: 1024 * 1024 });
    const error = await within(10_000, failure(collect(client.streamEvents(RUN_ID))), "the refused stream");
    expect(error).toBeInstanceOf(EventsApiError);
    expect((error as Error).message).toContain("larger than");
    expect(connections).toBe(1);
  });

  it("an event that is JSON but no EventDetail: EventsApiError, not retried", async () => {
    let connections = 0;
    const base = await serve((_req, res) => {
      connections++;
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end('id: 0\ndata: {"not":"an event"}\n\n');
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    const error = await within(10_000, failure(collect(client.streamEvents(RUN_ID))), "the refused stream");
    expect(error).toBeInstanceOf(EventsApiError);
    expect((error as Error).message).toContain("not an EventDetail");
    expect(connections).toBe(1);
  });

  it("a stream that goes silent is reconnected from its last offset after streamIdleTimeoutMs", async () => {
    const first = detail(0, "StructureRunStarting", "SYSTEM", { status: "STARTING" });
    const offsets: string[] = [];
    const base = await serve((_req, res, url) => {
      offsets.push(url.searchParams.get("offset") ?? "");
      res.writeHead(200, { "content-type": "text/event-stream" });
      // First connection: one event, then silence (no pings) for ever.
      if (offsets.length === 1) res.write(frame(0, first));
      else res.end(frame(1, COMPLETED(1)));
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY, streamIdleTimeoutMs: 300 });
    const events = await within(10_000, collect(client.streamEvents(RUN_ID)), "the reconnected stream");
    expect(events.map((e) => e.type)).toEqual(["StructureRunStarting", "StructureRunCompleted"]);
    expect(offsets).toEqual(["0", "1"]);
  });

  it("a 200 that is not an event stream: falls back to polling the list route at once", async () => {
    let streams = 0;
    const base = await serve((_req, res, url) => {
      res.writeHead(200, { "content-type": "application/json" });
      if (url.pathname === STREAM_PATH) {
        streams++;
        res.end("{}");
      } else {
        const events = [COMPLETED(0)];
        res.end(JSON.stringify({ events, count: 1, limit: 100, offset: 0, next_offset: 1, total_count: 1 }));
      }
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    const events = await within(10_000, collect(client.streamEvents(RUN_ID)), "the polled events");
    expect(events.map((e) => e.type)).toEqual(["StructureRunCompleted"]);
    expect(streams).toBe(1);
  });

  it("a character split across two chunks arrives whole", async () => {
    const token = "héllo 😀 wörld";
    const event = detail(0, "TextChunkEvent", "USER", { type: "TextChunkEvent", id: "a".repeat(32), token });
    const bytes = Buffer.from(frame(0, event) + frame(1, COMPLETED(1)));
    const cut = bytes.indexOf(Buffer.from("😀")) + 2;
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(bytes.subarray(0, cut), () => setTimeout(() => res.end(bytes.subarray(cut)), 50));
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    const events = await within(10_000, collect(client.streamEvents(RUN_ID)), "the stream");
    expect((events[0]?.payload as Record<string, unknown> | undefined)?.token).toBe(token);
  });

  it("an event stored twice (same payload.id) is yielded once; deduplicate: false yields both", async () => {
    const chunk = (n: number) =>
      detail(n, "TextChunkEvent", "USER", { type: "TextChunkEvent", id: "b".repeat(32), token: "once" });
    const all = [chunk(0), chunk(1), COMPLETED(2)];
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(all.map((e, i) => frame(i, e)).join(""));
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    const once = await collect(client.streamEvents(RUN_ID));
    expect(once.map((e) => e.type)).toEqual(["TextChunkEvent", "StructureRunCompleted"]);
    const raw = await collect(client.streamEvents(RUN_ID, { deduplicate: false }));
    expect(raw).toEqual(all);
  });
});

describe("SseParser bounds", () => {
  it("a line or an event past maxEventChars throws SseLimitError, however it is chunked", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.constantFrom("data: ", "", "id: ", "data: a\ndata: "),
        (pieces, prefix) => {
          const parser = new SseParser({ maxEventChars: 1000 });
          const piece = "q".repeat(Math.ceil(2000 / pieces));
          expect(() => {
            parser.push(prefix);
            for (let i = 0; i < pieces; i++) parser.push(prefix === "data: a\ndata: " ? `${piece}\ndata: ` : piece);
          }).toThrow(SseLimitError);
        },
      ),
    );
  });

  it("events just under the limit pass", () => {
    const parser = new SseParser({ maxEventChars: 1000 });
    const data = "w".repeat(900);
    expect(parser.push(`data: ${data}\n\n`)).toEqual([{ data, id: undefined, event: undefined }]);
  });
});
