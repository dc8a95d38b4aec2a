// How EventsClient words an error answer, against real servers on 127.0.0.1: the emulator's own
// `{"error": {"code", "message"}}` in words (not its JSON), any other body quoted, both redacted, cut and escaped.
import { describe, expect, it } from "vitest";
import { EventsApiError, EventsClient } from "../../src/local.js";
import { startEmulator } from "../runtime/emulator-harness.js";
import { RUN_ID, serve } from "../support/fake-events-api.js";

const KEY = "error-answers-key-0123456789-secret";

async function failure(promise: Promise<unknown>): Promise<EventsApiError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(EventsApiError);
  return error as EventsApiError;
}

/** A server answering every request with `status` and `body` as JSON. */
function answering(status: number, body: string): Promise<string> {
  return serve((_req, res) => {
    res.writeHead(status, { "content-type": "application/json" }).end(body);
  });
}

describe("the emulator's error answers, in words", () => {
  it("an unknown run: its message and code, no JSON", async () => {
    const emulator = await startEmulator();
    const client = new EventsClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
    const error = await failure(client.listEvents("no-such-run"));
    expect(error.status).toBe(404);
    expect(error.message).toBe(
      'Events API answered 404 (error code not_found): no structure run with id "no-such-run"',
    );
  });

  it("a wrong key: the hint, the code and the emulator's message; the wrong key is not echoed", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const client = new EventsClient({ baseUrl: emulator.url, apiKey: KEY });
    const error = await failure(client.getRun(run.structure_run_id));
    expect(error.message).toBe(
      "Events API answered 401 (error code unauthorized; check the API key): invalid API key: use the run's key " +
        "(GT_CLOUD_API_KEY) or the master key",
    );
    expect(error.message).not.toContain(KEY);
  });

  it("the stream route words it the same way (tail's first request)", async () => {
    const emulator = await startEmulator();
    const client = new EventsClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
    const error = await failure(
      (async () => {
        for await (const _ of client.streamEvents("nope")) break;
      })(),
    );
    expect(error.message).toBe('Events API answered 404 (error code not_found): no structure run with id "nope"');
  });

  it("the issues of an invalid body follow the message, at most three", async () => {
    const body = {
      error: {
        code: "invalid_body",
        message: "the request body does not match the expected shape",
        issues: [1, 2, 3, 4].map((n) => ({ path: ["args", n], message: `bad ${n}` })),
      },
    };
    const base = await answering(400, JSON.stringify(body));
    const error = await failure(new EventsClient({ baseUrl: base, apiKey: KEY }).createRun("s"));
    expect(error.message).toBe(
      "Events API answered 400 (error code invalid_body): the request body does not match the expected shape " +
        "(args.1: bad 1; args.2: bad 2; args.3: bad 3)",
    );
  });
});

describe("hostile error answers stay harmless", () => {
  it("a message and a code holding escapes and the key: escaped and redacted", async () => {
    const body = { error: { code: "x\u001b[2J", message: `key ${KEY} \u001b]0;pwned\u0007 ok` } };
    const base = await answering(403, JSON.stringify(body));
    const error = await failure(new EventsClient({ baseUrl: base, apiKey: KEY }).listEvents(RUN_ID));
    expect(error.message).toBe(
      "Events API answered 403 (error code x\\u001b[2J; the API key may not access this run: check the run id and " +
        "the API key): key [redacted] \\u001b]0;pwned\\u0007 ok",
    );
  });

  it("a huge message is cut; a huge code too", async () => {
    const body = { error: { code: "c".repeat(1000), message: "m".repeat(3000) } };
    const base = await answering(500, JSON.stringify(body));
    const error = await failure(new EventsClient({ baseUrl: base, apiKey: KEY }).getRun(RUN_ID));
    expect(error.message).toBe(`Events API answered 500 (error code ${"c".repeat(60)}): ${"m".repeat(300)}`);
  });

  it("an empty message is said to be empty", async () => {
    const base = await answering(429, '{"error":{"code":"too_many_requests","message":""}}');
    const error = await failure(new EventsClient({ baseUrl: base, apiKey: KEY }).getRun(RUN_ID));
    expect(error.message).toBe("Events API answered 429 (error code too_many_requests): (no message)");
  });

  it.each([
    ["another shape", '{"detail":"Not found."}'],
    ["an error that is a string", '{"error":"nope"}'],
    ["a code that is not a string", '{"error":{"code":404,"message":"nope"}}'],
    ["not JSON", "<html>nope</html>"],
    ["the API's shape cut past 4 KiB", JSON.stringify({ error: { code: "c", message: "m".repeat(5000) } })],
  ])("%s: the body quoted as before (cut, escaped)", async (_name, body) => {
    const base = await answering(404, body);
    const error = await failure(new EventsClient({ baseUrl: base, apiKey: KEY }).getRun(RUN_ID));
    expect(error.message).toBe(`Events API answered 404: ${body.slice(0, 300)}`);
  });
});
