/**
 * How a bus without `onListenerError` logs what its listeners get wrong: one clear line for a listener's first
 * failure, then counts, so that a listener failing on every event cannot flood the log, and never silence: the counts
 * are written every LISTENER_ERROR_SUMMARY_MS while failures go on, at flush and shutdown, and at process exit.
 * Fake timers for the summaries; a real child process for the exit.
 */
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LISTENER_ERROR_SUMMARY_MS } from "../../src/bus/listener-error-log.js";
import { EventBus, EventListener, MemoryEventListenerDriver } from "../../src/index.js";
import { formatLogLine } from "../../src/logger.js";
import { cleanEnv, killChildren, spawnTs } from "../support/child-processes.js";
import { captureLogger } from "../support/delivery-harness.js";

const ERROR = 50;
const FAILING = fileURLToPath(new URL("./failing-listener.ts", import.meta.url));

function failingBus(log = captureLogger()): { bus: EventBus; log: ReturnType<typeof captureLogger> } {
  const bus = new EventBus({ logger: log.logger });
  bus.addEventListener(
    new EventListener({
      onEvent: () => {
        throw new Error("listener bug");
      },
    }),
  );
  return { bus, log };
}

function publish(bus: EventBus, count: number): void {
  for (let i = 0; i < count; i++) bus.publishEvent({ type: "TextChunkEvent", token: "x", index: i });
}

describe("a listener that fails on every event", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("its first failure is one clear line; the later ones are counted, then summarised", async () => {
    const { bus, log } = failingBus();
    const other = new MemoryEventListenerDriver();
    bus.addEventListener(new EventListener({ driver: other }));
    publish(bus, 1000);
    // Every event still reached the other listener.
    expect(other.events).toHaveLength(1000);
    expect(log.entries(ERROR).map((e) => e.msg)).toEqual([
      "EventListener #1 failed: onEvent threw for TextChunkEvent: listener bug. Its later failures are counted and summarised, not logged one by one",
    ]);
    await vi.advanceTimersByTimeAsync(LISTENER_ERROR_SUMMARY_MS - 1);
    expect(log.entries(ERROR)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(log.entries(ERROR).map((e) => e.msg)).toEqual([
      expect.stringContaining("EventListener #1 failed: "),
      "EventListener #1 failed 999 more time(s) (last: onEvent threw for TextChunkEvent: listener bug)",
    ]);
    // Quiet while nothing fails; the next failures get their own summary.
    await vi.advanceTimersByTimeAsync(5 * LISTENER_ERROR_SUMMARY_MS);
    expect(log.entries(ERROR)).toHaveLength(2);
    publish(bus, 5);
    await vi.advanceTimersByTimeAsync(LISTENER_ERROR_SUMMARY_MS);
    expect(log.entries(ERROR).at(-1)?.msg).toBe(
      "EventListener #1 failed 5 more time(s) (last: onEvent threw for TextChunkEvent: listener bug)",
    );
    expect(log.entries(ERROR)).toHaveLength(3);
  });

  it("flush and shutdown write the counts at once", async () => {
    const { bus, log } = failingBus();
    publish(bus, 3);
    await bus.flush();
    expect(log.entries(ERROR).at(-1)?.msg).toBe(
      "EventListener #1 failed 2 more time(s) (last: onEvent threw for TextChunkEvent: listener bug)",
    );
    publish(bus, 2);
    await bus.shutdown();
    expect(log.entries(ERROR).map((e) => e.msg)).toHaveLength(3);
    expect(log.entries(ERROR).at(-1)?.msg).toContain("failed 2 more time(s)");
    // Nothing left to say: the timer writes nothing more.
    await vi.advanceTimersByTimeAsync(2 * LISTENER_ERROR_SUMMARY_MS);
    expect(log.entries(ERROR)).toHaveLength(3);
  });

  it("each failing listener gets its own first line and its own counts", async () => {
    const { bus, log } = failingBus();
    bus.addEventListener(
      new EventListener({
        eventTypes: ["TextChunkEvent"],
        onEvent: () => 5 as unknown as object,
      }),
    );
    publish(bus, 4);
    await bus.flush();
    expect(log.entries(ERROR).map((e) => e.msg)).toEqual([
      expect.stringMatching(/^EventListener #1 failed: onEvent threw for TextChunkEvent: listener bug\. /),
      expect.stringMatching(/^EventListener #2 failed: onEvent returned an invalid event for TextChunkEvent: /),
      "EventListener #1 failed 3 more time(s) (last: onEvent threw for TextChunkEvent: listener bug)",
      expect.stringMatching(/^EventListener #2 failed 3 more time\(s\) \(last: onEvent returned an invalid event/),
    ]);
  });

  it("a custom onListenerError still gets every failure", () => {
    const seen: string[] = [];
    const bus = new EventBus({ onListenerError: (error) => seen.push(error.message) });
    bus.addEventListener(
      new EventListener({
        onEvent: () => {
          throw new Error("listener bug");
        },
      }),
    );
    publish(bus, 3);
    expect(seen).toEqual(Array(3).fill("onEvent threw for TextChunkEvent: listener bug"));
  });
});

describe("the line itself", () => {
  it("says what was thrown once, in text, with the thrown error (and its stack) in JSON", () => {
    const { bus, log } = failingBus();
    publish(bus, 1);
    const [json] = log.text().trimEnd().split("\n");
    const entry = JSON.parse(json!) as { err: { type: string; message: string; stack: string } };
    expect(entry.err).toMatchObject({ type: "Error", message: "listener bug" });
    expect(entry.err.stack).toContain("onEvent");
    const text = formatLogLine(json!);
    expect(text.split("listener bug")).toHaveLength(2);
    expect(text).toBe(
      "structure-run-events error: EventListener #1 failed: onEvent threw for TextChunkEvent: listener bug. Its later failures are counted and summarised, not logged one by one\n",
    );
  });
});

describe("at process exit", () => {
  afterEach(() => killChildren());

  it("a process that never flushes still writes the counts as it exits", async () => {
    const { code, stderr } = await spawnTs(FAILING, ["500"], {
      env: { ...cleanEnv(), GT_EVENTS_LOG_FORMAT: "text" },
    }).done;
    expect(code).toBe(0);
    expect(stderr.trimEnd().split("\n")).toEqual([
      "structure-run-events error: EventListener #1 failed: onEvent threw for TextChunkEvent: listener bug. Its later failures are counted and summarised, not logged one by one",
      "structure-run-events error: EventListener #1 failed 499 more time(s) (last: onEvent threw for TextChunkEvent: listener bug)",
    ]);
  });
});
