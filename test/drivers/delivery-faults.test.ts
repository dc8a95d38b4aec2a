/**
 * docs/delivery.md against a real HTTP server on 127.0.0.1 that injects faults (test/support/fault-server.ts).
 * Each test asserts the counts of the driver's reports and what the server actually received.
 */
import diagnosticsChannel from "node:diagnostics_channel";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { lastAttemptRoom } from "../../src/http/retrying-sender.js";
import {
  DIAGNOSTICS_CHANNELS,
  type DropDiagnostic,
  type FailureDiagnostic,
  InvalidEventError,
  type RequestDiagnostic,
  type RetryDiagnostic,
} from "../../src/index.js";
import {
  captureLogger,
  FAST,
  firstArrivals,
  Harness,
  publishChunks,
  RUN_ID,
  waitFor,
} from "../support/delivery-harness.js";
import { type Fault, startFaultServer } from "../support/fault-server.js";

const h = new Harness();
afterEach(() => h.cleanup());

// vitest fails the run on an unhandled rejection already; this also pins it to this file's scenarios.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
});
afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

const ERROR = 50;
const WARN = 40;

describe("through faults", () => {
  it("delivers 10,000 events through a 30% fault rate: complete, in order by first arrival", async () => {
    const { server, driver, bus } = await h.setup({
      maxBatchEvents: 100,
      // A `delay` of 400 ms outlives this timeout: the client retries while the server still accepts the first
      // copy, so some batches arrive twice (at-least-once). Generous retries: exhausting them is not the subject.
      requestTimeoutMs: 250,
      maxRetries: 50,
    });
    const faults: Fault[] = [
      { kind: "status", status: 500 },
      { kind: "status", status: 502 },
      { kind: "status", status: 503 },
      { kind: "status", status: 504 },
      { kind: "status", status: 408 },
      { kind: "status", status: 429, retryAfter: "0" },
      { kind: "reset" },
      { kind: "reset" },
      { kind: "delay", ms: 20 },
      { kind: "delay", ms: 400 },
    ];
    server.setFaultRate(0.3, faults, 42);
    const ids = publishChunks(bus, 10_000);

    const report = await driver.flush({ timeoutMs: 25_000 });

    expect(report).toEqual({ sent: 10_000, failed: 0, dropped: 0, pending: 0 });
    expect(firstArrivals(server)).toEqual(ids);
    expect(server.events(RUN_ID).length).toBeGreaterThanOrEqual(10_000);
    expect(Math.max(...server.batches.map((b) => b.envelopes.length))).toBeLessThanOrEqual(100);
    // The faults really happened, and each got a retry.
    const statuses = [...new Set(server.requests.map((r) => r.status))];
    for (const status of [500, 502, 503, 504, 408, 429, "reset", "hang"] as const) expect(statuses).toContain(status);
    // Every attempt reached the server, and every batch needed one more request than it had retries.
    const stats = driver.stats();
    expect(stats.requests).toBe(server.requests.length);
    expect(stats.requests - stats.retries).toBe(100);
  });

  it("retries a request that gets no answer within requestTimeoutMs", async () => {
    const { server, driver, bus } = await h.setup({ requestTimeoutMs: 200 });
    server.queue({ kind: "hang" });
    const ids = publishChunks(bus, 3);
    expect(await driver.flush({ timeoutMs: 5000 })).toEqual({ sent: 3, failed: 0, dropped: 0, pending: 0 });
    expect(server.requests.map((r) => r.status)).toEqual(["hang", 202]);
    expect(firstArrivals(server)).toEqual(ids);
  });

  it("counts a batch the server got twice (its first answer lost) once: at-least-once, de-duplicable by id", async () => {
    const { server, driver, bus } = await h.setup({ requestTimeoutMs: 150 });
    // The server accepts the first copy after the client gave up on it.
    server.queue({ kind: "delay", ms: 400 });
    const ids = publishChunks(bus, 4);
    expect(await driver.flush({ timeoutMs: 5000 })).toEqual({ sent: 4, failed: 0, dropped: 0, pending: 0 });
    await waitFor(() => server.batches.length === 2, 5000, "the delayed copy");
    expect(server.events(RUN_ID).map((e) => (e as { id: string }).id)).toEqual([...ids, ...ids]);
    expect(firstArrivals(server)).toEqual(ids);
  });
});

describe("outage and bounded queue", () => {
  it("drops exactly what is published beyond the queue cap during an outage, never the Finish event", async () => {
    const log = captureLogger();
    const { server, driver, bus } = await h.setup({
      maxQueueEvents: 500,
      maxBatchEvents: 100,
      maxRetries: 100_000,
      logger: log.logger,
    });
    server.setDown(true);
    const outage = setTimeout(() => server.setDown(false), 2000);
    try {
      const first = publishChunks(bus, 50);
      // The first batch is in flight and retrying: the queue itself is empty.
      await waitFor(() => server.requests.length >= 2, 5000, "the first batch to be retrying");
      expect(driver.stats()).toMatchObject({ queuedEvents: 0, inFlightBatches: 1, pending: 50 });

      const burst = publishChunks(bus, 2000, 50);
      const finish = bus.publishEvent({ type: "FinishStructureRunEvent" });
      const published = first.length + burst.length + 1;

      const during = driver.stats();
      expect(during.dropped).toBe(burst.length - 500);
      expect(during.queuedEvents).toBe(500 + 1); // the cap, and the Finish event beyond it
      expect(during.sent).toBe(0);

      const report = await driver.flush({ timeoutMs: 20_000 });
      expect(report).toEqual({ sent: 50 + 500 + 1, failed: 0, dropped: during.dropped, pending: 0 });
      expect(report.sent + report.dropped).toBe(published);

      const arrived = firstArrivals(server);
      expect(arrived).toHaveLength(report.sent);
      expect(arrived).toEqual([...first, ...burst.slice(0, 500), finish.id]);
      expect(arrived.at(-1)).toBe(finish.id);
      // One summary warning for the whole burst, not one per event.
      const warnings = log.entries(WARN).filter((e) => e.msg.includes("queue full"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.level).toBe(WARN);
    } finally {
      clearTimeout(outage);
    }
  });

  it("caps the queue in bytes too", async () => {
    const { server, driver, bus } = await h.setup({ maxBatchBytes: 1024, maxQueueBytes: 2048, maxRetries: 100_000 });
    server.setDown(true);
    const first = publishChunks(bus, 1, 0, "x".repeat(100));
    await waitFor(() => server.requests.length >= 2, 5000, "the first batch to be retrying");
    const burst = publishChunks(bus, 40, 1, "x".repeat(100));
    const during = driver.stats();
    expect(during.queuedEvents).toBeGreaterThan(0);
    expect(during.queuedEvents).toBeLessThan(40);
    expect(during.queuedBytes).toBeLessThanOrEqual(2048);
    expect(during.dropped).toBe(40 - during.queuedEvents);

    server.setDown(false);
    const report = await driver.flush({ timeoutMs: 10_000 });
    expect(report).toEqual({ sent: 1 + during.queuedEvents, failed: 0, dropped: during.dropped, pending: 0 });
    expect(firstArrivals(server)).toEqual([...first, ...burst.slice(0, during.queuedEvents)]);
    // No POST body exceeded maxBatchBytes.
    for (const batch of server.batches) expect(batch.bytes).toBeLessThanOrEqual(1024);
  });
});

describe("refused key", () => {
  const KEY = "sk-live-SECRET-0123456789abcdef";

  it("stops after the first 401, counts what it will not send, and never logs the key", async () => {
    const log = captureLogger();
    const { server, driver, bus } = await h.setup({ apiKey: KEY, logger: log.logger }, { apiKey: "the-right-key" });
    publishChunks(bus, 5);
    expect(await driver.flush()).toEqual({ sent: 0, failed: 5, dropped: 0, pending: 0 });
    expect(server.requests.map((r) => r.status)).toEqual([401]);
    // The key was sent (the server refused it) ...
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);

    for (let round = 1; round <= 3; round++) {
      publishChunks(bus, 5, round * 5);
      expect(await driver.flush()).toEqual({ sent: 0, failed: 5 + round * 5, dropped: 0, pending: 0 });
    }
    expect(server.requests).toHaveLength(1);
    expect(server.batches).toHaveLength(0);

    // ... but never logged.
    const text = log.text();
    expect(text).not.toContain(KEY);
    expect(text).toContain("GT_CLOUD_API_KEY");
    expect(text).toMatch(/refused the API key \(HTTP 401\)/);
  });

  it("stops after a 403 too, and says the key may not post to this run: the run id is as likely wrong as the key", async () => {
    const log = captureLogger();
    const { server, driver, bus } = await h.setup({ logger: log.logger });
    server.queue({ kind: "status", status: 403 });
    publishChunks(bus, 2);
    expect(await driver.flush()).toMatchObject({ sent: 0, failed: 2 });
    publishChunks(bus, 2, 2);
    // The output comes after the refusal: what became of it still says 403, not a refused key.
    bus.publishEvent({ type: "FinishStructureRunEvent", output_task_output: null });
    expect(await driver.flush()).toMatchObject({ sent: 0, failed: 5 });
    expect(server.requests.map((r) => r.status)).toEqual([403]);
    expect(driver.outputDelivery()).toMatchObject({ status: "failed", reason: "unauthorized", httpStatus: 403 });
    const text = log.text();
    expect(text).toContain(
      "the Events API does not let the API key post to this run (HTTP 403); check GT_CLOUD_STRUCTURE_RUN_ID and GT_CLOUD_API_KEY",
    );
    expect(text).not.toContain("refused the API key");
  });

  it("redacts the key from an error body that echoes it", async () => {
    const log = captureLogger();
    const failures: FailureDiagnostic[] = [];
    const onFailure = (m: unknown): void => {
      failures.push(m as FailureDiagnostic);
    };
    diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.failure, onFailure);
    try {
      const { server, driver, bus } = await h.setup({ apiKey: KEY, logger: log.logger }, { apiKey: KEY });
      server.queue({ kind: "status", status: 400, body: JSON.stringify({ error: `bad request from Bearer ${KEY}` }) });
      publishChunks(bus, 1);
      expect(await driver.flush()).toMatchObject({ failed: 1 });
      expect(log.text()).not.toContain(KEY);
      expect(log.text()).toContain("[redacted]");
      expect(failures).toHaveLength(1);
      expect(failures[0]!.message).not.toContain(KEY);
    } finally {
      diagnosticsChannel.unsubscribe(DIAGNOSTICS_CHANNELS.failure, onFailure);
    }
  });
});

describe("413: batch too large for the server", () => {
  it("halves until every piece fits: all events arrive, in order", async () => {
    // One event's envelope is ~150 bytes: 200 of them are ~30 KB, the server takes 4 KB.
    const { server, driver, bus } = await h.setup({ maxBatchEvents: 200 }, { maxBodyBytes: 4000 });
    const ids = publishChunks(bus, 200);
    expect(await driver.flush({ timeoutMs: 10_000 })).toEqual({ sent: 200, failed: 0, dropped: 0, pending: 0 });
    expect(firstArrivals(server)).toEqual(ids);
    expect(server.events(RUN_ID)).toHaveLength(200); // a 413 is a refusal, never a duplicate
    expect(server.requests.filter((r) => r.status === 413).length).toBeGreaterThan(0);
    expect(server.requests[0]!.status).toBe(413);
    for (const batch of server.batches) expect(batch.bytes).toBeLessThanOrEqual(4000);
  });

  it("fails a single event the server still refuses, and delivers the rest in order", async () => {
    const log = captureLogger();
    const { server, driver, bus } = await h.setup({ logger: log.logger }, { maxBodyBytes: 4000 });
    const before = publishChunks(bus, 10);
    bus.publishEvent({ type: "TextChunkEvent", index: 10, token: "x".repeat(5000) });
    const after = publishChunks(bus, 10, 11);
    expect(await driver.flush({ timeoutMs: 10_000 })).toEqual({ sent: 20, failed: 1, dropped: 0, pending: 0 });
    expect(firstArrivals(server)).toEqual([...before, ...after]);
    const errors = log.entries(ERROR);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toContain("413");
  });
});

describe("other 4xx", () => {
  it.each([400, 404, 422])(
    "%i: the batch fails with one error, is not retried, later batches still go",
    async (status) => {
      const log = captureLogger();
      const { server, driver, bus } = await h.setup({ logger: log.logger });
      server.queue({ kind: "status", status });
      publishChunks(bus, 10);
      expect(await driver.flush()).toEqual({ sent: 0, failed: 10, dropped: 0, pending: 0 });
      expect(server.requests).toHaveLength(1);
      expect(driver.stats().retries).toBe(0);

      const later = publishChunks(bus, 10, 10);
      expect(await driver.flush()).toEqual({ sent: 10, failed: 10, dropped: 0, pending: 0 });
      expect(server.requests.map((r) => r.status)).toEqual([status, 202]);
      expect(firstArrivals(server)).toEqual(later);

      const errors = log.entries(ERROR);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.msg).toContain(`HTTP ${status}`);
    },
  );
});

describe("Retry-After", () => {
  it("waits as long as the server asks (429, Retry-After: 1)", async () => {
    const { server, driver, bus } = await h.setup();
    server.queue({ kind: "status", status: 429, retryAfter: "1" });
    const ids = publishChunks(bus, 3);
    expect(await driver.flush({ timeoutMs: 10_000 })).toMatchObject({ sent: 3, pending: 0 });
    expect(server.requests.map((r) => r.status)).toEqual([429, 202]);
    const gap = server.requests[1]!.at - server.requests[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(900);
    expect(firstArrivals(server)).toEqual(ids);
  });

  it("waits until an HTTP-date Retry-After (503)", async () => {
    const { server, driver, bus } = await h.setup();
    // Whole seconds: between 0.5 and 1.5 s from now.
    const retryAfter = new Date(Date.now() + 1500).toUTCString();
    server.queue({ kind: "status", status: 503, retryAfter });
    publishChunks(bus, 1);
    expect(await driver.flush({ timeoutMs: 10_000 })).toMatchObject({ sent: 1 });
    expect(server.requests.map((r) => r.status)).toEqual([503, 202]);
    // Timers may fire a millisecond or two early against Date.now(); the retry comes no earlier than the date.
    expect(server.requests[1]!.at).toBeGreaterThanOrEqual(Date.parse(retryAfter) - 20);
  });

  it("caps a Retry-After larger than maxRetryAfterMs", async () => {
    const retries: RetryDiagnostic[] = [];
    const onRetry = (m: unknown): void => {
      retries.push(m as RetryDiagnostic);
    };
    diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.retry, onRetry);
    try {
      const { server, driver, bus } = await h.setup({ maxRetryAfterMs: 200 });
      server.queue({ kind: "status", status: 429, retryAfter: "3600" });
      publishChunks(bus, 1);
      const started = performance.now();
      expect(await driver.flush({ timeoutMs: 10_000 })).toMatchObject({ sent: 1, pending: 0 });
      expect(performance.now() - started).toBeLessThan(5000);
      expect(retries).toEqual([{ events: 1, attempt: 1, delayMs: 200, reason: "HTTP 429" }]);
      expect(server.requests.map((r) => r.status)).toEqual([429, 202]);
    } finally {
      diagnosticsChannel.unsubscribe(DIAGNOSTICS_CHANNELS.retry, onRetry);
    }
  });
});

describe("deadlines", () => {
  it("flush({timeoutMs: 300}) resolves in time with events pending against a hanging server", async () => {
    const { server, driver, bus } = await h.setup({ requestTimeoutMs: 1000 });
    server.setDown(true, { kind: "hang" });
    publishChunks(bus, 10);
    const started = performance.now();
    const report = await driver.flush({ timeoutMs: 300 });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(3000);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(report).toEqual({ sent: 0, failed: 0, dropped: 0, pending: 10 });
    // What is pending stays queued: it goes once the server answers.
    server.setDown(false);
    expect(await driver.flush({ timeoutMs: 10_000 })).toMatchObject({ sent: 10, pending: 0 });
  });

  it("shutdown({timeoutMs: 500}) against a hanging server resolves, fails what is left, and stops retrying", async () => {
    // Short request timeouts: the driver keeps retrying until the deadline, which must end it.
    const { server, driver, bus } = await h.setup({ requestTimeoutMs: 100, maxRetries: 100_000 });
    server.setDown(true, { kind: "hang" });
    publishChunks(bus, 10);
    await waitFor(() => server.requests.length >= 1, 5000, "the first request");
    publishChunks(bus, 15, 10); // queued behind the batch in flight

    const started = performance.now();
    const report = await driver.shutdown({ timeoutMs: 500 });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(report).toEqual({ sent: 0, failed: 25, dropped: 0, pending: 0 });

    const requestsAtShutdown = server.requests.length;
    await sleep(1000);
    expect(server.requests.length).toBe(requestsAtShutdown);
    expect(driver.stats()).toMatchObject({ pending: 0, inFlightBatches: 0, queuedEvents: 0 });
  });

  it("against a refused port, shutdown retries until the last attempt its deadline leaves room for, and says so", async () => {
    // The trial's case: shutdown({timeoutMs: 3000}) returned after 1.4 to 3 s having used 5 to 7 of its 10
    // retries, and logged that the deadline was reached. Three drivers at once: one lucky backoff proves nothing.
    const closed = await startFaultServer();
    await closed.close();
    const durations: number[] = [];
    const onRequest = (message: unknown): void => {
      durations.push((message as RequestDiagnostic).durationMs);
    };
    diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.request, onRequest);
    try {
      const timeoutMs = 1500;
      const runs = await Promise.all(
        [0, 1, 2].map(async () => {
          const log = captureLogger();
          // The default backoff (100 ms doubling to 10 s), which is where a random wait crosses the deadline.
          const driver = h.driver({
            ...FAST,
            baseUrl: closed.url,
            retryInitialDelayMs: 100,
            retryMaxDelayMs: 10_000,
            maxRetries: 100,
            logger: log.logger,
          });
          publishChunks(h.bus(driver), 1);
          const started = performance.now();
          const report = await driver.shutdown({ timeoutMs });
          return { elapsed: performance.now() - started, report, log };
        }),
      );
      // The last attempt starts no earlier than its room before the deadline; timers never fire early by more
      // than the loop's cached clock lags (a few ms).
      const room = lastAttemptRoom(Math.max(...durations), 10_000);
      for (const { elapsed, report, log } of runs) {
        expect(report).toEqual({ sent: 0, failed: 1, dropped: 0, pending: 0 });
        expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - room - 20);
        expect(elapsed).toBeLessThan(timeoutMs + 1000);
        expect(log.entries(ERROR).map((e) => e.msg)).toEqual([
          expect.stringMatching(
            /^1 event\(s\) not delivered within the shutdown deadline \(1500 ms\): the last attempt it left room for failed \(last: cannot connect to http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED/,
          ),
        ]);
      }
    } finally {
      diagnosticsChannel.unsubscribe(DIAGNOSTICS_CHANNELS.request, onRequest);
    }
  });

  it("an outage that ends during shutdown loses nothing, even when a long backoff began before shutdown", async () => {
    const { server, driver, bus } = await h.setup({ retryInitialDelayMs: 60_000, retryMaxDelayMs: 60_000 });
    server.setDown(true);
    publishChunks(bus, 3);
    await waitFor(() => driver.stats().retries === 1, 5000, "the first retry wait");
    server.setDown(false);
    const started = performance.now();
    // The wait (up to a minute) is cut to leave the last attempt its room before the deadline.
    expect(await driver.shutdown({ timeoutMs: 1000 })).toEqual({ sent: 3, failed: 0, dropped: 0, pending: 0 });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(server.requests.map((r) => r.status)).toEqual([503, 202]);
  });

  it("a Retry-After longer than the shutdown deadline does not hold shutdown, nor what is queued behind it", async () => {
    const { server, driver, bus } = await h.setup({ maxRetryAfterMs: 60_000 });
    server.queue({ kind: "status", status: 503, retryAfter: "60" });
    const first = publishChunks(bus, 4);
    await waitFor(() => driver.stats().retries === 1, 5000, "the retry wait");
    const behind = publishChunks(bus, 6, 4);
    const started = performance.now();
    // The wait begun before shutdown would end past its deadline: that batch is given up on when shutdown begins,
    // not at the deadline, and the batch behind it still has its chance.
    expect(await driver.shutdown({ timeoutMs: 300 })).toEqual({ sent: 6, failed: 4, dropped: 0, pending: 0 });
    expect(performance.now() - started).toBeLessThan(3000);
    await sleep(500);
    expect(server.requests.map((r) => r.status)).toEqual([503, 202]);
    expect(firstArrivals(server)).toEqual(behind);
    expect(firstArrivals(server)).not.toContain(first[0]);
  });

  it("a retry that cannot finish before the shutdown deadline is not started", async () => {
    const log = captureLogger();
    const { server, driver, bus } = await h.setup({ maxRetryAfterMs: 60_000, logger: log.logger });
    server.queue({ kind: "status", status: 503, retryAfter: "60" });
    publishChunks(bus, 4);
    const shutdown = driver.shutdown({ timeoutMs: 5000 });
    const started = performance.now();
    // Waiting 60 s would pass the deadline: the batch fails at once rather than at the deadline.
    expect(await shutdown).toEqual({ sent: 0, failed: 4, dropped: 0, pending: 0 });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(server.requests).toHaveLength(1);
    // What is logged is why: not that the deadline was reached, which it was not.
    expect(log.entries(ERROR).map((e) => e.msg)).toEqual([
      "4 event(s) not delivered within the shutdown deadline (5000 ms): the Events API asked to be retried only after it (Retry-After) (last: HTTP 503)",
    ]);
  });

  it("shutdown drains what it can within the deadline", async () => {
    const { server, driver, bus } = await h.setup({ maxBatchEvents: 10 });
    server.queue({ kind: "status", status: 503 }, { kind: "delay", ms: 100 });
    const ids = publishChunks(bus, 35);
    expect(await driver.shutdown({ timeoutMs: 10_000 })).toEqual({ sent: 35, failed: 0, dropped: 0, pending: 0 });
    expect(firstArrivals(server)).toEqual(ids);
  });
});

describe("retries exhausted", () => {
  it("counts the batch failed, and later batches still go", async () => {
    const log = captureLogger();
    const { server, driver, bus } = await h.setup({ maxRetries: 2, logger: log.logger });
    server.queue(
      { kind: "status", status: 503 },
      { kind: "reset" },
      { kind: "status", status: 500 },
      { kind: "status", status: 503 },
    );
    publishChunks(bus, 5);
    expect(await driver.flush()).toEqual({ sent: 0, failed: 5, dropped: 0, pending: 0 });
    expect(server.requests.map((r) => r.status)).toEqual([503, "reset", 500]);

    const later = publishChunks(bus, 5, 5);
    expect(await driver.flush()).toEqual({ sent: 5, failed: 5, dropped: 0, pending: 0 });
    // The fourth fault went to the later batch, which retried past it.
    expect(server.requests.map((r) => r.status)).toEqual([503, "reset", 500, 503, 202]);
    expect(firstArrivals(server)).toEqual(later);
    expect(log.entries(ERROR).map((e) => e.msg)).toEqual([expect.stringContaining("given up after")]);
  });

  it("maxRetries: 0 makes a single attempt", async () => {
    const { server, driver, bus } = await h.setup({ maxRetries: 0 });
    server.queue({ kind: "status", status: 503 });
    publishChunks(bus, 1);
    expect(await driver.flush()).toMatchObject({ sent: 0, failed: 1 });
    expect(server.requests).toHaveLength(1);
  });
});

describe("shutdown and flush", () => {
  it("shutdown is idempotent, and publish after it counts as dropped", async () => {
    const { server, driver, bus } = await h.setup();
    publishChunks(bus, 3);
    const first = driver.shutdown();
    const second = driver.shutdown({ timeoutMs: 1 });
    expect(second).toBe(first);
    const report = await first;
    expect(report).toEqual({ sent: 3, failed: 0, dropped: 0, pending: 0 });
    expect(await driver.shutdown()).toBe(report);

    expect(() => publishChunks(bus, 2, 3)).not.toThrow();
    expect(await driver.flush()).toEqual({ sent: 3, failed: 0, dropped: 2, pending: 0 });
    await sleep(50);
    expect(server.events(RUN_ID)).toHaveLength(3);
    expect(server.requests).toHaveLength(1);
  });

  it("concurrent flush callers share the work and both see it done", async () => {
    const { server, driver, bus } = await h.setup();
    server.queue({ kind: "delay", ms: 100 });
    const ids = publishChunks(bus, 20);
    const [a, b] = await Promise.all([driver.flush(), driver.flush()]);
    expect(a).toEqual({ sent: 20, failed: 0, dropped: 0, pending: 0 });
    expect(b).toEqual(a);
    expect(server.requests).toHaveLength(1);
    expect(firstArrivals(server)).toEqual(ids);
  });

  it("flush waits for what is in flight, not only for what is queued", async () => {
    const { server, driver, bus } = await h.setup();
    server.queue({ kind: "delay", ms: 200 });
    publishChunks(bus, 5);
    await waitFor(() => server.requests.length === 1, 5000, "the request in flight");
    expect(driver.stats()).toMatchObject({ queuedEvents: 0, inFlightBatches: 1 });
    expect(await driver.flush()).toEqual({ sent: 5, failed: 0, dropped: 0, pending: 0 });
  });

  it("sends what was published, not later changes to the caller's object", async () => {
    const { server, driver, bus } = await h.setup();
    const input = { type: "MyEvent", value: "original", nested: { n: 1 } };
    bus.publishEvent(input);
    input.value = "changed";
    input.nested.n = 2;
    await driver.flush();
    expect(server.events(RUN_ID)).toEqual([expect.objectContaining({ value: "original", nested: { n: 1 } })]);
  });
});

describe("batching", () => {
  it("adaptive: events published while a request is in flight go together as the next batch", async () => {
    const { server, driver, bus } = await h.setup();
    server.queue({ kind: "delay", ms: 200 }, { kind: "delay", ms: 200 });
    const first = publishChunks(bus, 1);
    await waitFor(() => server.requests.length === 1, 5000, "the first request");
    const rest = publishChunks(bus, 50, 1);
    expect(await driver.flush({ timeoutMs: 10_000 })).toMatchObject({ sent: 51, pending: 0 });
    expect(server.batches.map((b) => b.envelopes.length)).toEqual([1, 50]);
    expect(server.requests).toHaveLength(2);
    expect(firstArrivals(server)).toEqual([...first, ...rest]);
  });

  it("lingerMs gathers events published over time into one batch", async () => {
    const { server, driver, bus } = await h.setup({ lingerMs: 300 });
    const ids = publishChunks(bus, 1);
    await sleep(20);
    ids.push(...publishChunks(bus, 2, 1));
    await waitFor(() => server.batches.length === 1, 5000, "the lingering batch");
    expect(server.batches.map((b) => b.envelopes.length)).toEqual([3]);
    expect(await driver.flush()).toMatchObject({ sent: 3, pending: 0 });
    expect(firstArrivals(server)).toEqual(ids);
  });

  it("flush does not wait for the linger", async () => {
    const { server, driver, bus } = await h.setup({ lingerMs: 60_000 });
    publishChunks(bus, 2);
    const started = performance.now();
    expect(await driver.flush({ timeoutMs: 10_000 })).toMatchObject({ sent: 2, pending: 0 });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(server.batches).toHaveLength(1);
  });

  it("a full batch does not wait for the linger", async () => {
    const { server, bus } = await h.setup({ lingerMs: 60_000, maxBatchEvents: 10 });
    publishChunks(bus, 1);
    await sleep(10);
    publishChunks(bus, 12, 1);
    // 13 events: one full batch goes now; the 3 left may linger.
    await waitFor(() => server.batches.length >= 1, 5000, "the full batch");
    expect(server.batches[0]!.envelopes).toHaveLength(10);
  });

  it("events published in the same tick go in one batch", async () => {
    const { server, driver, bus } = await h.setup();
    publishChunks(bus, 30);
    await driver.flush();
    expect(server.batches.map((b) => b.envelopes.length)).toEqual([30]);
  });

  it("maxConcurrentRequests: 2 delivers everything with two requests in flight", async () => {
    const { server, driver, bus } = await h.setup({ maxConcurrentRequests: 2, maxBatchEvents: 50, maxRetries: 50 });
    server.setFaultRate(
      1,
      [
        { kind: "delay", ms: 30 },
        { kind: "delay", ms: 30 },
        { kind: "delay", ms: 30 },
        { kind: "status", status: 503 },
        { kind: "reset" },
      ],
      3,
    );
    let maxInFlight = 0;
    const sampler = setInterval(() => {
      maxInFlight = Math.max(maxInFlight, driver.stats().inFlightBatches);
    }, 5);
    try {
      const ids = publishChunks(bus, 2000);
      expect(await driver.flush({ timeoutMs: 20_000 })).toEqual({ sent: 2000, failed: 0, dropped: 0, pending: 0 });
      expect(new Set(firstArrivals(server))).toEqual(new Set(ids));
      expect(firstArrivals(server)).toHaveLength(2000);
    } finally {
      clearInterval(sampler);
    }
    expect(maxInFlight).toBe(2);
  });
});

describe("diagnostics_channel", () => {
  it("publishes typed request, retry, drop and failure messages", async () => {
    const seen = { request: [] as RequestDiagnostic[], retry: [] as RetryDiagnostic[], drop: [] as DropDiagnostic[] };
    const failures: FailureDiagnostic[] = [];
    const handlers = {
      request: (m: unknown): void => void seen.request.push(m as RequestDiagnostic),
      retry: (m: unknown): void => void seen.retry.push(m as RetryDiagnostic),
      drop: (m: unknown): void => void seen.drop.push(m as DropDiagnostic),
      failure: (m: unknown): void => void failures.push(m as FailureDiagnostic),
    };
    for (const [name, fn] of Object.entries(handlers)) {
      diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS[name as keyof typeof handlers], fn);
    }
    try {
      const { server, driver, bus } = await h.setup({ retryInitialDelayMs: 5, retryMaxDelayMs: 5 });
      server.queue({ kind: "status", status: 503 });
      publishChunks(bus, 3);
      await driver.flush();
      server.queue({ kind: "status", status: 400 });
      publishChunks(bus, 2, 3);
      await driver.flush();
      await driver.shutdown();
      publishChunks(bus, 1, 5);

      expect(seen.request).toEqual([
        { events: 3, bytes: expect.any(Number), status: 503, outcome: "retry", durationMs: expect.any(Number) },
        { events: 3, bytes: expect.any(Number), status: 202, outcome: "ok", durationMs: expect.any(Number) },
        { events: 2, bytes: expect.any(Number), status: 400, outcome: "rejected", durationMs: expect.any(Number) },
      ]);
      expect(seen.request[0]!.bytes).toBe(server.requests[0]!.bytes);
      expect(seen.request[2]!.bytes).toBe(server.requests[2]!.bytes);
      for (const r of seen.request) expect(r.durationMs).toBeGreaterThanOrEqual(0);
      expect(seen.retry).toEqual([{ events: 3, attempt: 1, delayMs: expect.any(Number), reason: "HTTP 503" }]);
      expect(seen.retry[0]!.delayMs).toBeLessThan(5);
      expect(failures).toEqual([
        { events: 2, reason: "rejected", status: 400, message: expect.stringContaining("HTTP 400") },
      ]);
      expect(seen.drop).toEqual([{ events: 1, reason: "shut_down" }]);
    } finally {
      for (const [name, fn] of Object.entries(handlers)) {
        diagnosticsChannel.unsubscribe(DIAGNOSTICS_CHANNELS[name as keyof typeof handlers], fn);
      }
    }
  });

  it("publishes a queue_full drop", async () => {
    const drops: DropDiagnostic[] = [];
    const onDrop = (m: unknown): void => {
      drops.push(m as DropDiagnostic);
    };
    diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.drop, onDrop);
    try {
      const { driver, bus } = await h.setup({ maxQueueEvents: 2 });
      publishChunks(bus, 4);
      expect(drops).toEqual([
        { events: 1, reason: "queue_full" },
        { events: 1, reason: "queue_full" },
      ]);
      expect(await driver.flush()).toMatchObject({ sent: 2, dropped: 2 });
    } finally {
      diagnosticsChannel.unsubscribe(DIAGNOSTICS_CHANNELS.drop, onDrop);
    }
  });
});

describe("event size", () => {
  it("publishEvent refuses an event over driver.maxEventBytes at the call site; nothing else is affected", async () => {
    const { server, driver, bus } = await h.setup({ maxBatchBytes: 4096 });
    const limit = driver.maxEventBytes;
    expect(limit).toBeGreaterThan(0);
    expect(limit).toBeLessThan(4096);

    const a = bus.publishEvent({ type: "TextChunkEvent", index: 0, token: "a" });
    let thrown: unknown;
    try {
      bus.publishEvent({ type: "TextChunkEvent", index: 1, token: "x".repeat(limit) });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidEventError);
    expect((thrown as InvalidEventError).reason).toBe("too_large");
    expect((thrown as InvalidEventError).code).toBe("ERR_INVALID_EVENT");
    // The limit is not the batch size: the message says why, and what raises it.
    expect((thrown as InvalidEventError).message).toMatch(
      new RegExp(
        `^TextChunkEvent is \\d+ bytes serialised, over the ${limit}-byte limit on one event \\(the 4 KiB maximum batch size less ${4096 - limit} bytes for the envelope around the event, set by option maxBatchBytes or env GT_EVENTS_MAX_BATCH_BYTES\\); split it or raise the limit$`,
      ),
    );
    const b = bus.publishEvent({ type: "TextChunkEvent", index: 2, token: "b" });

    expect(await driver.flush()).toEqual({ sent: 2, failed: 0, dropped: 0, pending: 0 });
    expect(firstArrivals(server)).toEqual([a.id, b.id]);
  });

  it("the default limit is the 1 MiB batch less the envelope, and the message says so", async () => {
    const { driver, bus } = await h.setup();
    expect(driver.maxEventBytes).toBe(1024 * 1024 - 508);
    expect(() => bus.publishEvent({ type: "TextChunkEvent", index: 0, token: "x".repeat(2 * 1024 * 1024) })).toThrow(
      "over the 1048068-byte limit on one event (the 1 MiB maximum batch size less 508 bytes for the envelope around the event, set by option maxBatchBytes or env GT_EVENTS_MAX_BATCH_BYTES)",
    );
  });

  it("accepts and sends an event of exactly maxEventBytes, within maxBatchBytes", async () => {
    const { server, driver, bus } = await h.setup({ maxBatchBytes: 4096 });
    const fixed = {
      type: "TextChunkEvent",
      id: "0123456789abcdef0123456789abcdef",
      timestamp: 1726096550.123456,
      index: 0,
    };
    const base = bus.publishEvent({ ...fixed, token: "" }).bytes;
    const exact = bus.publishEvent({ ...fixed, token: "x".repeat(driver.maxEventBytes - base) });
    expect(exact.bytes).toBe(driver.maxEventBytes);
    expect(() => bus.publishEvent({ ...fixed, token: "x".repeat(driver.maxEventBytes - base + 1) })).toThrow(
      InvalidEventError,
    );
    expect(await driver.flush()).toEqual({ sent: 2, failed: 0, dropped: 0, pending: 0 });
    expect(server.events(RUN_ID)).toHaveLength(2);
    for (const batch of server.batches) expect(batch.bytes).toBeLessThanOrEqual(4096);
  });
});
