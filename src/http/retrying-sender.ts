import pRetry from "p-retry";
import { boundDelay, TRANSPORT_GRACE_MS } from "../delays.js";
import { describeThrown } from "../describe-value.js";
import type { LastAttempt } from "../drivers/event-listener-driver.js";
import type { BatchSender, SendOutcome } from "./batch-sender.js";
import { backoffDelay } from "./retry-policy.js";

// The retrying layer between the batching driver and its transport, as OpenTelemetry puts a retrying transport
// under its exporter (see docs/delivery.md): how many attempts a batch gets, which outcomes are worth another,
// how long to wait before it (full-jitter backoff, or the server's Retry-After), and when to stop (the shutdown
// deadline, the abort). The driver keeps the queue, the batches and the counts; it learns of attempts through hooks.

export type RetryOutcome = Extract<SendOutcome, { kind: "retry" }>;

/** What became of a batch once its attempts are over. */
export type Delivery =
  | Exclude<SendOutcome, { kind: "retry" }>
  | {
      kind: "gave_up";
      /** `retries_exhausted`: every attempt wanted another; `deadline`: the shutdown deadline or its abort. */
      reason: "retries_exhausted" | "deadline";
      /** For `deadline`: how the deadline ended the delivery (see `DeadlineStop`). */
      stop?: DeadlineStop;
      /** The last attempt that said something about the destination (an abort by shutdown says nothing). */
      last?: LastAttempt;
      /** Set only when the retrying itself failed (a bug): what went wrong. */
      internalError?: string;
    };

/**
 * How the shutdown deadline ended a delivery, so that what is logged about it is true:
 * - `cut_off`: the deadline passed during an attempt or a wait (the abort ended it);
 * - `last_attempt`: the last attempt the deadline left room for failed, and no time was left for another;
 * - `retry_after`: the server's Retry-After pointed past the deadline (it asked not to be tried before then).
 */
export type DeadlineStop = "cut_off" | "last_attempt" | "retry_after";

export interface RetryOptions {
  /** Attempts after the first. */
  maxRetries: number;
  /** Backoff ceiling of the first retry; it doubles with each retry, up to `retryMaxDelayMs`. */
  retryInitialDelayMs: number;
  retryMaxDelayMs: number;
  /** A server's Retry-After is honoured up to this. */
  maxRetryAfterMs: number;
  /** One attempt is given up on after this (plus a grace for the sender's own timeout to win). */
  requestTimeoutMs: number;
  /** Jitter's source, for tests. Default `Math.random`. */
  random?: () => number;
  /** The clock deadlines are read on, for tests. Default `performance.now`. */
  now?: () => number;
}

/** One delivery's surroundings: the driver's abort and deadline, and what it wants to hear of each attempt. */
export interface RetryContext {
  /** Aborted at the shutdown deadline: ends the attempt in flight and any wait at once. */
  signal: AbortSignal;
  /** When (on the options' clock) no wait may end after; Infinity until a shutdown sets one. */
  deadline: () => number;
  /** Aborted when `deadline` is set (a shutdown begins): a wait in progress is planned again against it. */
  deadlineSet?: AbortSignal;
  /**
   * After every attempt, with its outcome (an attempt that threw comes as a `retry` outcome), its duration and its
   * number (1 for the first).
   */
  onAttempt?: (outcome: SendOutcome, durationMs: number, attempt: number) => void;
  /** Before every wait: the failed attempt's number (1 for the first) and the wait as planned when it begins. */
  onRetry?: (outcome: RetryOutcome, attempt: number, delayMs: number) => void;
}

/** A retryable outcome, thrown so that p-retry counts the attempt and decides on the next. */
class RetryableOutcome extends Error {
  constructor(readonly outcome: RetryOutcome) {
    super(outcome.reason);
  }
}

const SEND_OUTCOME_KINDS = new Set(["ok", "retry", "too_large", "rejected", "invalid_request"]);

/**
 * Sends a body through a `BatchSender` until an attempt ends it. p-retry runs the attempts (counting them, deciding
 * on another, stopping at the abort); the waits between them are this module's, since neither full jitter nor
 * Retry-After is a p-retry schedule. Every timer it sets is unref'd. Never rejects.
 */
export class RetryingSender {
  readonly #sender: BatchSender;
  readonly #options: RetryOptions;
  readonly #now: () => number;

  constructor(sender: BatchSender, options: RetryOptions) {
    this.#sender = sender;
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  async send(body: string, context: RetryContext): Promise<Delivery> {
    let last: LastAttempt | undefined;
    const state: DeliveryState = { slowestAttemptMs: 0, finalAttempt: false };
    try {
      return await pRetry(
        async (attemptNumber) => {
          const started = this.#now();
          const outcome = await this.attempt(body, context.signal);
          const durationMs = this.#now() - started;
          state.slowestAttemptMs = Math.max(state.slowestAttemptMs, durationMs);
          context.onAttempt?.(outcome, durationMs, attemptNumber);
          if (outcome.kind !== "retry") return outcome;
          if (outcome.transport !== "aborted") last = lastAttemptOf(outcome);
          throw new RetryableOutcome(outcome);
        },
        {
          retries: this.#options.maxRetries,
          signal: context.signal,
          // p-retry's own waits are off: the wait is made in onFailedAttempt.
          minTimeout: 0,
          // Only a retryable outcome is tried again; anything else thrown is a bug and ends the delivery.
          shouldRetry: ({ error }) => error instanceof RetryableOutcome,
          onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
            if (!(error instanceof RetryableOutcome) || retriesLeft === 0) return;
            await this.#wait(error.outcome, attemptNumber, context, state);
          },
        },
      );
    } catch (error) {
      if (error instanceof RetryableOutcome) {
        // An abort by shutdown ends a delivery as the deadline's, however many attempts were left.
        if (error.outcome.transport === "aborted") {
          return { kind: "gave_up", reason: "deadline", stop: "cut_off", ...(last === undefined ? {} : { last }) };
        }
        return { kind: "gave_up", reason: "retries_exhausted", ...(last === undefined ? {} : { last }) };
      }
      if (error instanceof DeadlineReached || context.signal.aborted) {
        const stop = error instanceof DeadlineReached ? error.stop : "cut_off";
        return { kind: "gave_up", reason: "deadline", stop, ...(last === undefined ? {} : { last }) };
      }
      return {
        kind: "gave_up",
        reason: "retries_exhausted",
        internalError: describeThrown(error).message,
        ...(last === undefined ? {} : { last }),
      };
    }
  }

  /**
   * One request, bounded whatever the sender does: it is given up on at `requestTimeoutMs` (plus a grace for the
   * sender's own timeout to win) or at once when `signal` aborts. A sender that throws or returns something that is
   * not an outcome is a failed attempt, never an exception.
   */
  attempt(body: string, signal: AbortSignal): Promise<SendOutcome> {
    if (signal.aborted) return Promise.resolve(ABORTED);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const bound = new Promise<SendOutcome>((resolve) => {
      const limitMs = this.#options.requestTimeoutMs;
      timer = setTimeout(
        () => resolve({ kind: "retry", reason: `no response within ${limitMs} ms`, transport: "timeout" }),
        boundDelay(limitMs + TRANSPORT_GRACE_MS),
      );
      timer.unref();
      onAbort = () => resolve(ABORTED);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    const sent = Promise.resolve()
      .then(() => this.#sender.send(body, signal))
      .then(
        (outcome): SendOutcome =>
          isSendOutcome(outcome)
            ? outcome
            : { kind: "retry", reason: "the sender returned no outcome", transport: "network" },
        (error: unknown): SendOutcome => ({
          kind: "retry",
          reason: `the sender failed: ${describeThrown(error).message.slice(0, 500)}`,
          transport: "network",
        }),
      );
    return Promise.race([sent, bound]).finally(() => {
      clearTimeout(timer);
      if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
    });
  }

  /**
   * The wait before the next attempt: Retry-After (capped) or full-jitter backoff. Under a deadline the time left is
   * used, not forfeited (see `#plan`), also when the deadline is set during the wait (a shutdown begins): what is
   * left of the wait is planned again against it.
   */
  #wait(outcome: RetryOutcome, attempt: number, context: RetryContext, state: DeliveryState): Promise<void> {
    const { retryInitialDelayMs, retryMaxDelayMs, maxRetryAfterMs, random = Math.random } = this.#options;
    const retryAfter = outcome.retryAfterMs !== undefined;
    const delayMs = boundDelay(
      retryAfter
        ? Math.min(outcome.retryAfterMs!, maxRetryAfterMs)
        : backoffDelay(attempt, retryInitialDelayMs, retryMaxDelayMs, random),
    );
    const { signal, deadlineSet } = context;
    if (signal.aborted) return Promise.reject(new DeadlineReached("cut_off"));
    if (state.finalAttempt) return Promise.reject(new DeadlineReached("last_attempt"));
    const planned = this.#plan(delayMs, retryAfter, context.deadline(), state);
    if (typeof planned === "string") return Promise.reject(new DeadlineReached(planned));
    context.onRetry?.(outcome, attempt, planned);
    return new Promise<void>((resolve, reject) => {
      const endsAt = this.#now() + planned;
      let timer: NodeJS.Timeout | undefined;
      const settle = (stop?: DeadlineStop): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        deadlineSet?.removeEventListener("abort", onDeadlineSet);
        if (stop === undefined) resolve();
        else reject(new DeadlineReached(stop));
      };
      const start = (ms: number): void => {
        clearTimeout(timer);
        timer = setTimeout(() => settle(), ms);
        // A retry wait never keeps a finished process alive.
        timer.unref();
      };
      const onAbort = (): void => settle("cut_off");
      const onDeadlineSet = (): void => {
        const left = this.#plan(Math.max(0, endsAt - this.#now()), retryAfter, context.deadline(), state);
        if (typeof left === "string") settle(left);
        else start(left);
      };
      start(planned);
      signal.addEventListener("abort", onAbort, { once: true });
      deadlineSet?.addEventListener("abort", onDeadlineSet, { once: true });
    });
  }

  /**
   * How long to wait, `delayMs` asked, before the next attempt under `deadline`; or how the deadline ends the
   * delivery instead. A backoff that would leave the next attempt less than its room (`lastAttemptRoom`) before the
   * deadline is shortened so that the attempt starts with its room left (at once when less is left), and that attempt
   * is the last. A Retry-After is never shortened, since the server asked not to be tried before it: one that ends
   * past the deadline ends the delivery.
   */
  #plan(delayMs: number, retryAfter: boolean, deadline: number, state: DeliveryState): number | DeadlineStop {
    const now = this.#now();
    if (now >= deadline) return "cut_off";
    const room = lastAttemptRoom(state.slowestAttemptMs, this.#options.requestTimeoutMs);
    if (now + delayMs + room <= deadline) return delayMs;
    if (retryAfter && now + delayMs >= deadline) return "retry_after";
    state.finalAttempt = true;
    return retryAfter ? delayMs : Math.min(delayMs, boundDelay(deadline - room - now));
  }
}

/** What one delivery has learnt so far, for its waits. */
interface DeliveryState {
  /** The longest attempt so far, in ms: how much room the next one may need. */
  slowestAttemptMs: number;
  /** The attempt under way (or about to start) is the last the deadline leaves room for. */
  finalAttempt: boolean;
}

/** The least room the last attempt before a deadline is given, in ms. */
export const MIN_LAST_ATTEMPT_ROOM_MS = 100;

/**
 * The room the last attempt before a deadline is given: four times the slowest attempt of this delivery, since a
 * failed attempt is usually quicker than the one that succeeds after an outage (a refused connection takes one
 * round trip; a new TLS connection and the request about four); at least `MIN_LAST_ATTEMPT_ROOM_MS`, and at most
 * `requestTimeoutMs`, which no attempt outlives anyway.
 */
export function lastAttemptRoom(slowestAttemptMs: number, requestTimeoutMs: number): number {
  return Math.min(requestTimeoutMs, Math.max(MIN_LAST_ATTEMPT_ROOM_MS, 4 * slowestAttemptMs));
}

/** The shutdown deadline leaves no time for another attempt: `stop` says how. */
class DeadlineReached extends Error {
  constructor(readonly stop: DeadlineStop) {
    super(stop);
  }
}

const ABORTED: RetryOutcome = { kind: "retry", reason: "aborted by shutdown", transport: "aborted" };

export function lastAttemptOf(outcome: RetryOutcome): LastAttempt {
  const transport = outcome.transport === "aborted" ? undefined : outcome.transport;
  return {
    reason: outcome.reason,
    ...(transport === undefined ? {} : { transport }),
    ...(outcome.status === undefined ? {} : { status: outcome.status }),
  };
}

function isSendOutcome(value: unknown): value is SendOutcome {
  try {
    return typeof value === "object" && value !== null && SEND_OUTCOME_KINDS.has((value as { kind: string }).kind);
  } catch {
    return false;
  }
}
