/**
 * The batching driver against hostile input at delivery time: waits computed from a server's Retry-After,
 * `timeoutMs` values of any kind, and transports (BatchSender) that hang, throw junk or answer nonsense; and its
 * account of the run's output (`outputDelivery`). Real sockets on 127.0.0.1 where a server is involved. The
 * configuration's hostile inputs (keys, URLs, delay settings) are in griptape-cloud-config-hostile.test.ts.
 */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_DELAY_SETTING_MS } from "../../src/delays.js";
import { BatchingEventListenerDriver } from "../../src/drivers/batching-event-listener-driver.js";
import type { BatchSender, SendOutcome } from "../../src/http/batch-sender.js";
import {
  type BatchingOptions,
  ConfigError,
  DEFAULT_BATCHING_OPTIONS,
  EventBus,
  EventListener,
  type GriptapeCloudEventListenerDriverOptions,
} from "../../src/index.js";
import { captureLogger, FAST, Harness, publishChunks, waitFor } from "../support/delivery-harness.js";
import { throwingProxy, thrownValue } from "../support/hostile-values.js";

const h = new Harness();
afterEach(() => h.cleanup());

// A TimeoutOverflowWarning (or any timer warning) anywhere in this file is a bug: a wait turned into 1 ms.
const warnings: Error[] = [];
const onWarning = (warning: Error): void => {
  warnings.push(warning);
};
beforeEach(() => {
  warnings.length = 0;
  process.on("warning", onWarning);
});
afterEach(() => {
  process.off("warning", onWarning);
  expect(warnings.filter((w) => /Timeout/.test(w.name)).map((w) => w.message)).toEqual([]);
});

function _configError(options: GriptapeCloudEventListenerDriverOptions): ConfigError {
  try {
    h.driver(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError, the driver was constructed");
}

/** Everything a message, its stack or its JSON form could show. */
function _shown(error: Error): string {
  return `${error.message}\n${String(error.stack)}\n${JSON.stringify(error)}`;
}

const _printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) });
const _notInHeader = fc.oneof(
  fc.constantFrom("\n", "\r", "\u0001", "\u0000", "\u007f", " ", "\t", "é", "😀", "\u2028", "“"),
  fc.integer({ min: 0x80, max: 0xffff }).map((c) => String.fromCharCode(c)),
);

describe("computed waits are bounded", () => {
  it("the largest Retry-After the settings allow is a wait, not a retry storm", async () => {
    const { server, driver, bus } = await h.setup({ maxRetryAfterMs: MAX_DELAY_SETTING_MS });
    server.queue({ kind: "status", status: 503, retryAfter: "99999999" });
    publishChunks(bus, 3);
    await waitFor(() => driver.stats().retries === 1, 5000, "the retry wait");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.requests).toHaveLength(1);
    const started = performance.now();
    expect(await driver.shutdown({ timeoutMs: 200 })).toEqual({ sent: 0, failed: 3, dropped: 0, pending: 0 });
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe("timeoutMs of flush and shutdown, whatever it is", () => {
  it("a timeout beyond 2^31-1 ms waits (it does not fire at once)", async () => {
    const { server, driver, bus } = await h.setup();
    server.queue({ kind: "delay", ms: 300 });
    publishChunks(bus, 1);
    expect(await driver.flush({ timeoutMs: 3_000_000_000 })).toMatchObject({ sent: 1, pending: 0 });
  });

  it.each<[string, unknown]>([
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["a string", "100"],
    ["null", null],
    ["a Proxy", throwingProxy()],
  ])("%s counts as not given: flush waits for delivery, never rejects", async (_name, timeoutMs) => {
    const { server, driver, bus } = await h.setup();
    server.queue({ kind: "delay", ms: 200 });
    publishChunks(bus, 1);
    expect(await driver.flush({ timeoutMs } as { timeoutMs: number })).toMatchObject({ sent: 1, pending: 0 });
  });

  it("a negative timeout returns at once, with what is pending still queued", async () => {
    const { server, driver, bus } = await h.setup();
    server.queue({ kind: "delay", ms: 300 });
    publishChunks(bus, 1);
    expect(await driver.flush({ timeoutMs: -5 })).toMatchObject({ sent: 0, pending: 1 });
    expect(await driver.flush()).toMatchObject({ sent: 1, pending: 0 });
  });

  it("a hostile options object does not make flush or shutdown throw", async () => {
    const { driver, bus } = await h.setup();
    publishChunks(bus, 1);
    const hostile = throwingProxy() as { timeoutMs?: number };
    expect(await driver.flush(hostile)).toMatchObject({ sent: 1 });
    expect(await driver.shutdown(hostile)).toMatchObject({ sent: 1, pending: 0 });
  });
});

/** A batching driver over a sender the test controls. */
function driverOver(sender: BatchSender, tuning: Partial<BatchingOptions> = {}) {
  const log = captureLogger();
  const driver = new BatchingEventListenerDriver(
    { ...DEFAULT_BATCHING_OPTIONS, retryInitialDelayMs: 5, retryMaxDelayMs: 20, ...tuning },
    sender,
    log.logger,
  );
  const bus = new EventBus();
  bus.addEventListener(new EventListener({ driver }));
  return { driver, bus, log };
}

describe("a transport that misbehaves never holds the driver past its deadlines", () => {
  // vitest fails the run on an unhandled rejection; these senders make plenty of chances for one.
  it("a send that never settles: each attempt ends at requestTimeoutMs, shutdown at its deadline", async () => {
    const sends: AbortSignal[] = [];
    const { driver, bus } = driverOver(
      {
        send: (_body, signal) => {
          sends.push(signal);
          return new Promise<SendOutcome>(() => {});
        },
        close: () => new Promise<void>(() => {}),
      },
      { requestTimeoutMs: 100, maxRetries: 1_000 } as Partial<BatchingOptions>,
    );
    publishChunks(bus, 5);
    await waitFor(() => sends.length >= 3, 5000, "attempts to time out and be retried");
    const started = performance.now();
    expect(await driver.shutdown({ timeoutMs: 300 })).toEqual({ sent: 0, failed: 5, dropped: 0, pending: 0 });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(driver.outputDelivery()).toBeUndefined();
  });

  it("a late answer after the deadline gave up on its batch is not counted twice", async () => {
    let answer: (outcome: SendOutcome) => void = () => {};
    const { driver, bus } = driverOver(
      {
        send: () =>
          new Promise<SendOutcome>((resolve) => {
            answer = resolve;
          }),
        close: async () => {},
      },
      { requestTimeoutMs: 60_000 } as Partial<BatchingOptions>,
    );
    publishChunks(bus, 4);
    bus.publishEvent({ type: "FinishStructureRunEvent" });
    await waitFor(() => driver.stats().inFlightBatches === 1, 5000, "the request in flight");
    expect(await driver.shutdown({ timeoutMs: 100 })).toEqual({ sent: 0, failed: 5, dropped: 0, pending: 0 });
    answer({ kind: "ok", status: 202 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(driver.stats()).toMatchObject({ sent: 0, failed: 5, pending: 0 });
    expect(driver.outputDelivery()).toMatchObject({ status: "failed", reason: "deadline" });
  });

  it("a sender that throws or rejects any value, or answers nonsense: failed attempts, never an exception (property)", async () => {
    await fc.assert(
      fc.asyncProperty(thrownValue, fc.constantFrom("throw", "reject", "nonsense" as const), async (make, how) => {
        const { driver, bus } = driverOver(
          {
            send: () => {
              if (how === "throw") throw make();
              if (how === "reject") return Promise.reject(make());
              return Promise.resolve(make() as SendOutcome);
            },
            close: () => Promise.reject(make()),
          },
          { maxRetries: 2 } as Partial<BatchingOptions>,
        );
        publishChunks(bus, 2);
        const report = await driver.flush({ timeoutMs: 5000 });
        // A value that happens to be a valid outcome (fast-check can make `{kind: "ok"}`) is simply one.
        expect(report.sent + report.failed).toBe(2);
        expect(report.pending).toBe(0);
        expect(await driver.shutdown({ timeoutMs: 500 })).toMatchObject({ pending: 0 });
      }),
      { numRuns: 60 },
    );
  });

  it("a synchronous sender that throws: flushSync fails the batches, and returns", () => {
    const { driver, bus } = driverOver({
      send: () => new Promise<SendOutcome>(() => {}),
      sendSync: () => {
        throw throwingProxy();
      },
      close: async () => {},
    });
    publishChunks(bus, 3);
    bus.publishEvent({ type: "FinishStructureRunEvent" });
    expect(driver.flushSync({ timeoutMs: 100 })).toEqual({ sent: 0, failed: 4, dropped: 0, pending: 0 });
    expect(driver.outputDelivery()).toMatchObject({ status: "failed" });
  });
});

describe("outputDelivery: what became of the run's output", () => {
  it("pending, then acknowledged; undefined before any Finish event", async () => {
    const { server, driver, bus } = await h.setup();
    expect(driver.outputDelivery()).toBeUndefined();
    server.queue({ kind: "delay", ms: 200 });
    publishChunks(bus, 2);
    bus.publishEvent({ type: "FinishStructureRunEvent" });
    expect(driver.outputDelivery()).toEqual({ status: "pending" });
    await driver.flush();
    expect(driver.outputDelivery()).toEqual({ status: "acknowledged" });
  });

  it("a refused key: failed, unauthorized, with the status", async () => {
    const { driver, bus } = await h.setup({ apiKey: "wrong" });
    bus.publishEvent({ type: "FinishStructureRunEvent" });
    await driver.flush();
    expect(driver.outputDelivery()).toMatchObject({ status: "failed", reason: "unauthorized", httpStatus: 401 });
  });

  it("an unreachable host: failed, with the last attempt saying it could not connect", async () => {
    const server = await h.server();
    const url = server.url;
    await server.close();
    const driver = h.driver({ ...FAST, baseUrl: url, maxRetries: 2, logger: captureLogger().logger });
    h.bus(driver).publishEvent({ type: "FinishStructureRunEvent" });
    await driver.flush();
    expect(driver.outputDelivery()).toMatchObject({
      status: "failed",
      reason: "retries_exhausted",
      lastAttempt: { transport: "connect", reason: expect.stringContaining("ECONNREFUSED") },
    });
  });

  it("the Finish event inside a batch split by 413: its own half decides", async () => {
    const { driver, bus } = await h.setup({ maxBatchEvents: 50 }, { maxBodyBytes: 3000 });
    publishChunks(bus, 30);
    bus.publishEvent({ type: "FinishStructureRunEvent" });
    expect(await driver.flush({ timeoutMs: 10_000 })).toMatchObject({ sent: 31, failed: 0 });
    expect(driver.outputDelivery()).toEqual({ status: "acknowledged" });
  });

  it("published after shutdown: failed, shut_down", async () => {
    const { driver, bus } = await h.setup();
    await driver.shutdown();
    bus.publishEvent({ type: "FinishStructureRunEvent" });
    expect(driver.outputDelivery()).toMatchObject({ status: "failed", reason: "shut_down" });
  });
});
