/**
 * The retrying layer on fake timers: which outcomes get another attempt, how long it waits first (full-jitter
 * backoff, Retry-After and its cap), when it stops (retries exhausted, the deadline, the abort), and how long one
 * attempt may take whatever the sender does. The sender is a script of outcomes; no socket is involved (the
 * transport's own behaviour is test/http/events-api-sender.test.ts's, the whole path test/drivers/'s).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TRANSPORT_GRACE_MS } from "../../src/delays.js";
import type { BatchSender, SendOutcome } from "../../src/http/batch-sender.js";
import { type Delivery, type RetryContext, RetryingSender, type RetryOptions } from "../../src/http/retrying-sender.js";

const OPTIONS: RetryOptions = {
  maxRetries: 3,
  retryInitialDelayMs: 100,
  retryMaxDelayMs: 10_000,
  maxRetryAfterMs: 2_000,
  requestTimeoutMs: 1_000,
  // Half the ceiling, always: backoff waits are 50, 100, 200… ms.
  random: () => 0.5,
  now: () => Date.now(),
};

const HTTP_503: SendOutcome = { kind: "retry", reason: "HTTP 503", status: 503, transport: "http" };

/** A sender that answers each call with the next scripted outcome (the last one repeats), counting calls. */
function scripted(...outcomes: (SendOutcome | "never" | "throw")[]): BatchSender & { calls: number } {
  const sender = {
    calls: 0,
    send(): Promise<SendOutcome> {
      const next = outcomes[Math.min(sender.calls, outcomes.length - 1)]!;
      sender.calls++;
      if (next === "never") return new Promise(() => {});
      if (next === "throw") throw new Error("boom");
      return Promise.resolve(next);
    },
    close: async () => {},
  };
  return sender;
}

interface Run {
  result: Promise<Delivery>;
  settled: () => Delivery | undefined;
  attempts: number[];
  waits: number[];
  abort: AbortController;
}

function run(sender: BatchSender, options: Partial<RetryOptions> = {}, context: Partial<RetryContext> = {}): Run {
  const abort = new AbortController();
  const attempts: number[] = [];
  const waits: number[] = [];
  let settled: Delivery | undefined;
  const result = new RetryingSender(sender, { ...OPTIONS, ...options }).send("[]", {
    signal: abort.signal,
    deadline: () => Number.POSITIVE_INFINITY,
    onAttempt: (_outcome, _ms, attempt) => attempts.push(attempt),
    onRetry: (_outcome, _attempt, delayMs) => waits.push(delayMs),
    ...context,
  });
  void result.then((d) => {
    settled = d;
  });
  return { result, settled: () => settled, attempts, waits, abort };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("an outcome that ends the delivery", () => {
  it.each<SendOutcome>([
    { kind: "ok", status: 202 },
    { kind: "rejected", status: 400, message: "bad" },
    { kind: "too_large", status: 413 },
    { kind: "invalid_request", reason: "ERR_INVALID_CHAR" },
  ])("%j is returned after one attempt, with no wait", async (outcome) => {
    const sender = scripted(outcome);
    const r = run(sender);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.settled()).toEqual(outcome);
    expect(sender.calls).toBe(1);
    expect(r.waits).toEqual([]);
  });
});

describe("retries", () => {
  it("a retryable outcome is tried again after a full-jitter backoff, never before it is over", async () => {
    const sender = scripted(HTTP_503, HTTP_503, { kind: "ok", status: 202 });
    const r = run(sender);
    await vi.advanceTimersByTimeAsync(0);
    expect(sender.calls).toBe(1);
    // random 0.5 of a ceiling of 100 ms for the first retry.
    await vi.advanceTimersByTimeAsync(49);
    expect(sender.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sender.calls).toBe(2);
    // The ceiling doubles: 0.5 of 200 ms.
    await vi.advanceTimersByTimeAsync(99);
    expect(sender.calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.settled()).toEqual({ kind: "ok", status: 202 });
    expect(r.waits).toEqual([50, 100]);
    expect(r.attempts).toEqual([1, 2, 3]);
  });

  it("the backoff ceiling stops at retryMaxDelayMs", async () => {
    const r = run(scripted(HTTP_503), { maxRetries: 8, retryMaxDelayMs: 1_000 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(r.waits).toEqual([50, 100, 200, 400, 500, 500, 500, 500]);
  });

  it("gives up after maxRetries retries, with the last attempt's reason, status and transport", async () => {
    const sender = scripted(HTTP_503);
    const r = run(sender, { maxRetries: 3 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sender.calls).toBe(4);
    expect(r.settled()).toEqual({
      kind: "gave_up",
      reason: "retries_exhausted",
      last: { reason: "HTTP 503", status: 503, transport: "http" },
    });
  });

  it("maxRetries 0: one attempt, no wait", async () => {
    const sender = scripted(HTTP_503);
    const r = run(sender, { maxRetries: 0 });
    await vi.advanceTimersByTimeAsync(0);
    expect(sender.calls).toBe(1);
    expect(r.settled()).toMatchObject({ kind: "gave_up", reason: "retries_exhausted" });
    expect(r.waits).toEqual([]);
  });

  it("waits as long as Retry-After says instead of the backoff, up to maxRetryAfterMs", async () => {
    const sender = scripted(
      { ...HTTP_503, retryAfterMs: 300 },
      { ...HTTP_503, retryAfterMs: 60_000 },
      { kind: "ok", status: 202 },
    );
    const r = run(sender);
    await vi.advanceTimersByTimeAsync(299);
    expect(sender.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sender.calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(sender.calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.settled()).toEqual({ kind: "ok", status: 202 });
    expect(r.waits).toEqual([300, 2_000]);
  });

  it("a wait too large for a timer is bounded, not turned into 1 ms (a retry storm)", async () => {
    const sender = scripted({ ...HTTP_503, retryAfterMs: 2 ** 40 });
    const r = run(sender, { maxRetryAfterMs: Number.POSITIVE_INFINITY });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sender.calls).toBe(1);
    expect(r.waits).toEqual([2 ** 31 - 1]);
  });
});

describe("the deadline and the abort", () => {
  it("a wait that would end past the deadline is not begun: the delivery ends at once, as the deadline's", async () => {
    const sender = scripted({ ...HTTP_503, retryAfterMs: 1_000 });
    const now = Date.now();
    const r = run(sender, {}, { deadline: () => now + 500 });
    await vi.advanceTimersByTimeAsync(0);
    expect(r.settled()).toEqual({
      kind: "gave_up",
      reason: "deadline",
      last: { reason: "HTTP 503", status: 503, transport: "http" },
    });
    expect(r.waits).toEqual([]);
    expect(sender.calls).toBe(1);
  });

  it("an abort during a wait ends the delivery at once, with no further attempt", async () => {
    const sender = scripted({ ...HTTP_503, retryAfterMs: 1_000 });
    const r = run(sender);
    await vi.advanceTimersByTimeAsync(10);
    expect(r.settled()).toBeUndefined();
    r.abort.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.settled()).toMatchObject({ kind: "gave_up", reason: "deadline", last: { reason: "HTTP 503" } });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sender.calls).toBe(1);
  });

  it("an abort during an attempt ends it at once, even when the sender ignores the abort", async () => {
    const sender = scripted("never");
    const r = run(sender);
    await vi.advanceTimersByTimeAsync(10);
    r.abort.abort();
    await vi.advanceTimersByTimeAsync(0);
    // Nothing was learnt of the destination: no last attempt.
    expect(r.settled()).toEqual({ kind: "gave_up", reason: "deadline" });
    expect(sender.calls).toBe(1);
  });

  it("an already aborted signal makes no attempt", async () => {
    const sender = scripted({ kind: "ok", status: 202 });
    const abort = new AbortController();
    abort.abort();
    const delivery = await new RetryingSender(sender, OPTIONS).send("[]", {
      signal: abort.signal,
      deadline: () => Number.POSITIVE_INFINITY,
    });
    expect(delivery).toEqual({ kind: "gave_up", reason: "deadline" });
    expect(sender.calls).toBe(0);
  });
});

describe("one attempt", () => {
  it("a sender that never answers is given up on at requestTimeoutMs plus the grace, and retried", async () => {
    const sender = scripted("never");
    const r = run(sender, { maxRetries: 0 });
    await vi.advanceTimersByTimeAsync(OPTIONS.requestTimeoutMs + TRANSPORT_GRACE_MS - 1);
    expect(r.settled()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(r.settled()).toEqual({
      kind: "gave_up",
      reason: "retries_exhausted",
      last: { reason: "no response within 1000 ms", transport: "timeout" },
    });
  });

  it("a sender that throws, or answers something that is not an outcome, is a failed attempt", async () => {
    for (const answer of ["throw", { kind: "maybe" } as unknown as SendOutcome] as const) {
      const sender = scripted(answer, { kind: "ok", status: 202 });
      const r = run(sender);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(r.settled()).toEqual({ kind: "ok", status: 202 });
      expect(sender.calls).toBe(2);
    }
  });
});
