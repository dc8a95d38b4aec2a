// `for await (const e of client.streamEvents(id))` in a script of its own, as examples/client.ts does it: the
// loop is work in progress, so the waits between reconnections and between polls must keep the process alive,
// and a server that never answers must end the loop with an EventsApiError, never with a silent exit. Real child
// processes against real servers on 127.0.0.1.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { EventsApiError, EventsClient } from "../../src/local.js";
import { within } from "../runtime/emulator-harness.js";
import { cleanEnv, killChildren, spawnTs } from "../support/child-processes.js";
import { closedPort, detail, frames, listen, page, RUN_ID, serve } from "../support/fake-events-api.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const KEY = "test-key-0123456789-very-secret";
const STREAM_PATH = `/api/structure-runs/${RUN_ID}/events/stream`;
const LIST_PATH = `/api/structure-runs/${RUN_ID}/events`;

const dirs: string[] = [];

afterEach(async () => {
  killChildren();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** STARTING, RUNNING, two USER events, SUCCEEDED. */
const RUN = [
  detail(0, "StructureRunStarting", "SYSTEM", { status: "STARTING" }),
  detail(1, "StructureRunRunning", "SYSTEM", { status: "RUNNING", started_at: "2024-09-11T23:15:47" }),
  detail(2, "TextChunkEvent", "USER", { type: "TextChunkEvent", id: "a".repeat(32), token: "a" }),
  detail(3, "TextChunkEvent", "USER", { type: "TextChunkEvent", id: "b".repeat(32), token: "b" }),
  detail(4, "StructureRunCompleted", "SYSTEM", {
    status: "SUCCEEDED",
    started_at: "2024-09-11T23:15:47",
    completed_at: "2024-09-11T23:15:50",
    status_detail: { reason: "Completed", message: null, exit_code: 0 },
  }),
];
const TYPES = RUN.map((e) => e.type);

/**
 * An ESM script with a top-level `for await` over `streamEvents`, as a user writes it: prints each event's type,
 * then DONE; on an error, ERROR with its class, status and message, and exit code 3.
 */
function consumer(base: string, options: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "sre-stream-"));
  dirs.push(dir);
  const script = join(dir, "consumer.mts");
  writeFileSync(
    script,
    `import { EventsClient } from ${JSON.stringify(join(ROOT, "src/local.js"))};
const client = new EventsClient({ baseUrl: ${JSON.stringify(base)}, apiKey: ${JSON.stringify(KEY)} });
try {
  for await (const event of client.streamEvents(${JSON.stringify(RUN_ID)}, ${JSON.stringify(options)})) {
    console.log("EVENT " + event.type);
  }
  console.log("DONE");
} catch (error) {
  console.log("ERROR " + error.name + " " + error.status + " " + error.message);
  process.exitCode = 3;
}
`,
  );
  return spawnTs(script, [], { env: cleanEnv(), cwd: ROOT }).done;
}

const eventLines = (stdout: string) =>
  stdout
    .split("\n")
    .filter((line) => line.startsWith("EVENT "))
    .map((line) => line.slice(6));

describe("a top-level for await over streamEvents keeps its process alive until the run ends", () => {
  it("a stream the server closes before the run's end: reconnects after a wait and reads to the end", async () => {
    let connections = 0;
    const base = await serve((_req, res, url) => {
      if (url.pathname !== STREAM_PATH) {
        res.writeHead(500).end();
        return;
      }
      connections++;
      res.writeHead(200, { "content-type": "text/event-stream" });
      const from = Number(url.searchParams.get("offset"));
      // First connection: STARTING and RUNNING, then the server ends the stream in the middle of the run.
      res.end(connections === 1 ? frames(RUN, from, 2) : frames(RUN, from));
    });
    const { code, stdout } = await within(20_000, consumer(base), "the consumer");
    expect(stdout).toContain("DONE");
    expect(eventLines(stdout)).toEqual(TYPES);
    expect(code).toBe(0);
    expect(connections).toBe(2);
  });

  it("an open stream that stays quiet for a while: the connection alone keeps the process alive", async () => {
    const base = await serve((_req, res, url) => {
      if (url.pathname !== STREAM_PATH) {
        res.writeHead(500).end();
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(frames(RUN, 0, 2));
      // Silence, then the rest of the run on the same connection.
      setTimeout(() => res.end(frames(RUN, 2)), 1_500);
    });
    const { code, stdout } = await within(20_000, consumer(base), "the consumer");
    expect(eventLines(stdout)).toEqual(TYPES);
    expect(code).toBe(0);
  });

  it("a stream route that answers 404: polls the list route, waiting between empty polls, to the end", async () => {
    let available = 2;
    let polls = 0;
    const base = await serve((_req, res, url) => {
      if (url.pathname === STREAM_PATH) {
        res.writeHead(404, { "content-type": "application/json" }).end("{}");
        return;
      }
      if (url.pathname !== LIST_PATH) {
        res.writeHead(500).end();
        return;
      }
      polls++;
      const offset = Number(url.searchParams.get("offset"));
      res.writeHead(200, { "content-type": "application/json" }).end(page(RUN.slice(0, available), offset));
      // The run moves on only after two empty polls: the consumer must wait through them.
      if (offset >= available && polls >= 3) available = RUN.length;
    });
    const { code, stdout } = await within(20_000, consumer(base, { pollIntervalMs: 100 }), "the consumer");
    expect(stdout).toContain("DONE");
    expect(eventLines(stdout)).toEqual(TYPES);
    expect(code).toBe(0);
    expect(polls).toBeGreaterThanOrEqual(4);
  });

  it("an unreachable server: an EventsApiError (status 0) after the bounded retries, never a silent exit", async () => {
    const base = await closedPort();
    const { code, stdout } = await within(30_000, consumer(base, { maxReconnects: 2 }), "the consumer");
    expect(stdout).toMatch(/^ERROR EventsApiError 0 the Events API could not be reached \(ECONNREFUSED\)/m);
    expect(stdout).toContain("gave up after 4 attempts in a row without an answer");
    expect(stdout).not.toContain("DONE");
    expect(code).toBe(3);
  });
});

describe("streamEvents gives up on a server that never answers", () => {
  it("maxReconnects + 1 stream attempts, then one poll of the list route, then the EventsApiError", async () => {
    let connections = 0;
    const server = createServer();
    // Every connection is reset before any answer.
    server.on("connection", (socket) => {
      connections++;
      socket.destroy();
    });
    const base = await listen(server);
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    const error = await within(
      20_000,
      (async () => {
        for await (const _ of client.streamEvents(RUN_ID, { maxReconnects: 2 })) {
          // nothing arrives
        }
      })().then(
        () => undefined,
        (e: unknown) => e,
      ),
      "giving up",
    );
    expect(error).toBeInstanceOf(EventsApiError);
    expect(error).toMatchObject({ code: "ERR_EVENTS_API", status: 0 });
    expect((error as Error).message).toContain("gave up after 4 attempts in a row without an answer");
    expect((error as Error).message).not.toContain(KEY);
    // Three stream connections, then one of the list route.
    expect(connections).toBe(4);
  });

  it("a server that answers again in time is not given up on: failures count only in a row", async () => {
    let streamCalls = 0;
    const base = await serve((req, res, url) => {
      if (url.pathname !== STREAM_PATH) {
        res.writeHead(500).end();
        return;
      }
      streamCalls++;
      // Two resets, one event, two resets, one event…: never three failures in a row.
      const step = streamCalls % 3;
      if (step !== 0) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      const from = Number(url.searchParams.get("offset"));
      res.end(frames(RUN, from, from + 1));
    });
    const client = new EventsClient({ baseUrl: base, apiKey: KEY });
    const seen: string[] = [];
    await within(
      30_000,
      (async () => {
        for await (const event of client.streamEvents(RUN_ID, { maxReconnects: 2 })) seen.push(event.type);
      })(),
      "the whole run",
    );
    expect(seen).toEqual(TYPES);
  });

  it("options that would spin or never wait are refused: ConfigError naming the option", async () => {
    const client = new EventsClient({ baseUrl: "http://127.0.0.1:1", apiKey: KEY });
    for (const [name, value] of [
      ["pollIntervalMs", 0],
      ["pollIntervalMs", Number.NaN],
      ["pollIntervalMs", 2 ** 40],
      ["maxReconnects", -1],
      ["maxReconnects", 1.5],
      ["offset", -1],
    ] as const) {
      const error = await client
        .streamEvents(RUN_ID, { [name]: value })
        .next()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error, `${name}: ${value}`).toMatchObject({ code: "ERR_CONFIG", variable: name });
    }
  });
});
