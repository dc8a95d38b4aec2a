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
      /** The last attempt that said something about the destination (an abort by shutdown says nothing). */
      last?: LastAttempt;
      /** Set only when the retrying itself failed (a bug): what went wrong. */
      internalError?: string;
    };

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
  /**
   * After every attempt, with its outcome (an attempt that threw comes as a `retry` outcome), its duration and its
   * number (1 for the first).
   */
  onAttempt?: (outcome: SendOutcome, durationMs: number, attempt: number) => void;
  /** Before every wait: the failed attempt's number (1 for the first) and the wait. */
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
    try {
      return await pRetry(
        async (attemptNumber) => {
          const started = this.#now();
          const outcome = await this.attempt(body, context.signal);
          context.onAttempt?.(outcome, this.#now() - started, attemptNumber);
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
            await this.#wait(error.outcome, attemptNumber, context);
          },
        },
      );
    } catch (error) {
      if (error instanceof RetryableOutcome) {
        // An abort by shutdown ends a delivery as the deadline's, however many attempts were left.
        const reason = error.outcome.transport === "aborted" ? "deadline" : "retries_exhausted";
        return { kind: "gave_up", reason, ...(last === undefined ? {} : { last }) };
      }
      if (context.signal.aborted || error instanceof DeadlineReached) {
        return { kind: "gave_up", reason: "deadline", ...(last === undefined ? {} : { last }) };
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

  /** The wait before the next attempt: Retry-After (capped) or full-jitter backoff, never past the deadline. */
  #wait(outcome: RetryOutcome, attempt: number, context: RetryContext): Promise<void> {
    const { retryInitialDelayMs, retryMaxDelayMs, maxRetryAfterMs, random = Math.random } = this.#options;
    const delayMs = boundDelay(
      outcome.retryAfterMs === undefined
        ? backoffDelay(attempt, retryInitialDelayMs, retryMaxDelayMs, random)
        : Math.min(outcome.retryAfterMs, maxRetryAfterMs),
    );
    const { signal } = context;
    if (signal.aborted || this.#now() + delayMs > context.deadline()) {
      return Promise.reject(new DeadlineReached());
    }
    context.onRetry?.(outcome, attempt, delayMs);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new DeadlineReached());
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, delayMs);
      // A retry wait never keeps a finished process alive.
      timer.unref();
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** The shutdown deadline leaves no time for another attempt. */
class DeadlineReached extends Error {}

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
