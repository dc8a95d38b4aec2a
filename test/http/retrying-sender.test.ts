/**
 * The retrying layer on fake timers: which outcomes get another attempt, how long it waits first (full-jitter
 * backoff, Retry-After and its cap), when it stops (retries exhausted, the deadline, the abort), and how long one
 * attempt may take whatever the sender does. The sender is a script of outcomes; no socket is involved (the
 * transport's own behaviour is test/http/events-api-sender.test.ts's, the whole path test/drivers/'s).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TRANSPORT_GRACE_MS } from "../../src/delays.js";
import type { BatchSender, SendOutcome } from "../../src/http/batch-sender.js";
import {
  type Delivery,
  lastAttemptRoom,
  MIN_LAST_ATTEMPT_ROOM_MS,
  type RetryContext,
  RetryingSender,
  type RetryOptions,
} from "../../src/http/retrying-sender.js";

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

/**
 * A sender that answers each call with the next scripted outcome (the last one repeats), counting calls and
 * recording when (on the fake clock) each was made. `answerAfterMs` delays every answer.
 */
function scripted(...outcomes: (SendOutcome | "never" | "throw")[]): BatchSender & { calls: number; at: number[] } {
  return slowScripted(0, ...outcomes);
}

function slowScripted(
  answerAfterMs: number,
  ...outcomes: (SendOutcome | "never" | "throw")[]
): BatchSender & { calls: number; at: number[] } {
  const sender = {
    calls: 0,
    at: [] as number[],
    send(): Promise<SendOutcome> {
      const next = outcomes[Math.min(sender.calls, outcomes.length - 1)]!;
      sender.calls++;
      sender.at.push(Date.now());
      if (next === "never") return new Promise(() => {});
      if (next === "throw") throw new Error("boom");
      if (answerAfterMs === 0) return Promise.resolve(next);
      return new Promise((resolve) => setTimeout(() => resolve(next), answerAfterMs));
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
  it("a backoff that would cross the deadline is shortened: one last attempt just before it, with room left", async () => {
    // The trial's case: against a refused port, shutdown({timeoutMs: 3000}) gave up after 1.4 s having used 5 of
    // its 10 retries, as soon as one random backoff would have crossed the deadline.
    const sender = scripted(HTTP_503);
    const start = Date.now();
    const r = run(sender, { maxRetries: 10 }, { deadline: () => start + 1_000 });
    // Backoffs 50, 100, 200, 400 (attempts at 0, 50, 150, 350, 750); the next, 800, would end past the deadline.
    await vi.advanceTimersByTimeAsync(899);
    expect(r.settled()).toBeUndefined();
    expect(sender.calls).toBe(5);
    await vi.advanceTimersByTimeAsync(1);
    // Attempts take no time here, so the last gets the least room, MIN_LAST_ATTEMPT_ROOM_MS: at 900.
    expect(sender.at.map((t) => t - start)).toEqual([0, 50, 150, 350, 750, 900]);
    expect(r.waits).toEqual([50, 100, 200, 400, 1_000 - MIN_LAST_ATTEMPT_ROOM_MS - 750]);
    expect(r.settled()).toEqual({
      kind: "gave_up",
      reason: "deadline",
      stop: "last_attempt",
      last: { reason: "HTTP 503", status: 503, transport: "http" },
    });
    // No attempt after the last one, however many retries were left.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sender.calls).toBe(6);
  });

  it("a wait begun before the deadline was set is planned again when it is: the last attempt still comes", async () => {
    // A batch retrying through an outage while the structure ran, in a long backoff when shutdown begins.
    const sender = scripted(HTTP_503);
    let deadline = Number.POSITIVE_INFINITY;
    const deadlineSet = new AbortController();
    const start = Date.now();
    const r = run(
      sender,
      { retryInitialDelayMs: 10_000 },
      { deadline: () => deadline, deadlineSet: deadlineSet.signal },
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(r.waits).toEqual([5_000]);
    deadline = Date.now() + 1_000;
    deadlineSet.abort();
    await vi.advanceTimersByTimeAsync(1_000);
    // The 5 s wait ended early enough for a last attempt with its room before the deadline, at 1.9 s.
    expect(sender.at.map((t) => t - start)).toEqual([0, 2_000 - MIN_LAST_ATTEMPT_ROOM_MS]);
    expect(r.settled()).toMatchObject({ kind: "gave_up", reason: "deadline", stop: "last_attempt" });
  });

  it("a Retry-After wait that a deadline set meanwhile would cross ends the delivery then, as the Retry-After's", async () => {
    const sender = scripted({ ...HTTP_503, retryAfterMs: 5_000 });
    let deadline = Number.POSITIVE_INFINITY;
    const deadlineSet = new AbortController();
    const r = run(sender, { maxRetryAfterMs: 60_000 }, { deadline: () => deadline, deadlineSet: deadlineSet.signal });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(r.waits).toEqual([5_000]);
    deadline = Date.now() + 1_000;
    deadlineSet.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.settled()).toMatchObject({ kind: "gave_up", reason: "deadline", stop: "retry_after" });
    expect(sender.calls).toBe(1);
  });

  it("an outage that ends before that last attempt loses nothing", async () => {
    const sender = scripted(HTTP_503, HTTP_503, HTTP_503, HTTP_503, HTTP_503, { kind: "ok", status: 202 });
    const start = Date.now();
    const r = run(sender, { maxRetries: 10 }, { deadline: () => start + 1_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(r.settled()).toEqual({ kind: "ok", status: 202 });
    expect(sender.at.at(-1)! - start).toBe(900);
  });

  it("the last attempt's room is four times the slowest attempt so far, at most requestTimeoutMs", async () => {
    // Each answer takes 100 ms: the last attempt starts 400 ms before the deadline.
    const sender = slowScripted(100, HTTP_503);
    const start = Date.now();
    const r = run(sender, { maxRetries: 10 }, { deadline: () => start + 2_000 });
    await vi.advanceTimersByTimeAsync(3_000);
    expect(sender.at.at(-1)! - start).toBe(1_600);
    expect(r.settled()).toMatchObject({ kind: "gave_up", reason: "deadline", stop: "last_attempt" });
    expect(lastAttemptRoom(100, 10_000)).toBe(400);
    expect(lastAttemptRoom(0, 10_000)).toBe(MIN_LAST_ATTEMPT_ROOM_MS);
    expect(lastAttemptRoom(5_000, 1_000)).toBe(1_000);
  });

  it("with less than that room left, the last attempt is made at once, and it is the only one", async () => {
    const sender = scripted(HTTP_503);
    const start = Date.now();
    const r = run(sender, { maxRetries: 10 }, { deadline: () => start + 30 });
    await vi.advanceTimersByTimeAsync(0);
    expect(sender.calls).toBe(2);
    expect(r.waits).toEqual([0]);
    expect(r.settled()).toMatchObject({ kind: "gave_up", reason: "deadline", stop: "last_attempt" });
  });

  it("retries that run out before the deadline say so, not the deadline", async () => {
    const sender = scripted(HTTP_503);
    const start = Date.now();
    const r = run(sender, { maxRetries: 2 }, { deadline: () => start + 10_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(r.settled()).toEqual({
      kind: "gave_up",
      reason: "retries_exhausted",
      last: { reason: "HTTP 503", status: 503, transport: "http" },
    });
  });

  it("a Retry-After that ends past the deadline is not shortened: the delivery ends at once, saying why", async () => {
    const sender = scripted({ ...HTTP_503, retryAfterMs: 1_000 });
    const now = Date.now();
    const r = run(sender, {}, { deadline: () => now + 500 });
    await vi.advanceTimersByTimeAsync(0);
    expect(r.settled()).toEqual({
      kind: "gave_up",
      reason: "deadline",
      stop: "retry_after",
      last: { reason: "HTTP 503", status: 503, transport: "http" },
    });
    expect(r.waits).toEqual([]);
    expect(sender.calls).toBe(1);
  });

  it("a Retry-After that ends before the deadline is waited out in full, for a last attempt", async () => {
    const sender = scripted({ ...HTTP_503, retryAfterMs: 450 });
    const now = Date.now();
    const r = run(sender, {}, { deadline: () => now + 500 });
    await vi.advanceTimersByTimeAsync(500);
    expect(sender.at.map((t) => t - now)).toEqual([0, 450]);
    expect(r.settled()).toMatchObject({ kind: "gave_up", reason: "deadline", stop: "last_attempt" });
  });

  it("an abort during a wait ends the delivery at once, with no further attempt", async () => {
    const sender = scripted({ ...HTTP_503, retryAfterMs: 1_000 });
    const r = run(sender);
    await vi.advanceTimersByTimeAsync(10);
    expect(r.settled()).toBeUndefined();
    r.abort.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.settled()).toMatchObject({
      kind: "gave_up",
      reason: "deadline",
      stop: "cut_off",
      last: { reason: "HTTP 503" },
    });
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
    expect(r.settled()).toEqual({ kind: "gave_up", reason: "deadline", stop: "cut_off" });
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
    expect(delivery).toEqual({ kind: "gave_up", reason: "deadline", stop: "cut_off" });
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
