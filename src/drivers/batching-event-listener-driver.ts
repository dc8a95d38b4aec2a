import { setTimeout as sleep } from "node:timers/promises";
import PQueue from "p-queue";
import pRetry from "p-retry";
import type { SerializedEvent } from "../events/serialized-event.js";
import type { BatchSender, SendOutcome } from "../http/batch-sender.js";
import { backoffDelay } from "../http/retry-policy.js";
import type { Logger } from "../logger.js";
import type { Batch } from "./batch.js";
import type { BatchingOptions } from "./batching-options.js";
import {
  type DropDiagnostic,
  dropChannel,
  type FailureDiagnostic,
  failureChannel,
  requestChannel,
  retryChannel,
} from "./delivery-diagnostics.js";
import type { DeliveryReport, EventListenerDriver, FlushOptions } from "./event-listener-driver.js";
import { EventQueue } from "./event-queue.js";

/** A snapshot of a batching driver's counters since it was created. */
export interface DriverStats extends DeliveryReport {
  queuedEvents: number;
  queuedBytes: number;
  inFlightBatches: number;
  /** HTTP requests made, retries included. */
  requests: number;
  retries: number;
}

type Delivery = SendOutcome | { kind: "gave_up"; reason: "retries_exhausted" | "deadline"; message: string };

// Bytes an envelope adds around the payload: {"payload":…,"timestamp":…,"type":…}, the comma between
// envelopes, and the longest timestamp a double prints as. Counting it keeps batches under the byte cap.
const ENVELOPE_OVERHEAD = '{"payload":,"timestamp":,"type":},'.length + 24;
const FINAL_EVENT_TYPE = "FinishStructureRunEvent";
// Bytes a queued event costs beyond its text: the SerializedEvent object, the string's header, the queue slot
// (measured: ~200 B per event on Node 20). Counting it makes maxQueueBytes bound memory, not just wire bytes.
const QUEUED_EVENT_OVERHEAD = 192;
/** setTimeout's largest delay (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The envelope's timestamp as the payload already spells it. Events serialised by the bus start with
 * `{"type":…,"id":"<32 hex>","timestamp":`, so the text can be sliced out instead of printing the double
 * again (printing a double costs as much as a tenth of the rest of the envelope). Anything else is printed.
 */
function timestampText(event: SerializedEvent, typeJson: string): string {
  const { json } = event;
  const at = TYPE_PREFIX.length + typeJson.length + ID_INFIX.length + 32 + TIMESTAMP_INFIX.length;
  const end = json.indexOf(",", at);
  const laidOut =
    end > at &&
    json.startsWith(TIMESTAMP_INFIX, at - TIMESTAMP_INFIX.length) &&
    json.startsWith(ID_INFIX, TYPE_PREFIX.length + typeJson.length);
  return laidOut ? json.slice(at, end) : String(event.timestamp);
}
const TYPE_PREFIX = '{"type":';
const ID_INFIX = ',"id":"';
const TIMESTAMP_INFIX = '","timestamp":';

/** A retryable outcome, thrown so that p-retry counts the attempt. */
class RetryableOutcome extends Error {
  constructor(readonly outcome: Extract<SendOutcome, { kind: "retry" }>) {
    super(outcome.reason);
  }
}

/** The shutdown deadline leaves no time for another attempt. */
class DeadlineReached extends Error {}

/**
 * The delivery engine (DESIGN §3): an ordered, bounded queue of serialised events, adaptive batches
 * (what is queued goes at once when no request is in flight; while one is, events accumulate for the next),
 * retries with backoff and Retry-After, 413 splitting, and flush/shutdown under deadlines.
 * Subclasses give it a `BatchSender`.
 */
export class BatchingEventListenerDriver implements EventListenerDriver {
  readonly maxEventBytes: number;
  readonly #options: BatchingOptions;
  readonly #sender: BatchSender;
  readonly #logger: Logger;
  readonly #queue: EventQueue;
  readonly #sendQueue: PQueue;
  readonly #inFlight = new Set<Batch>();
  readonly #abort = new AbortController();
  readonly #typeJson = new Map<string, string>();
  readonly #logged = new Set<string>();
  #waiters: { target: number; resolve: () => void }[] = [];
  #scheduled = false;
  #lingerTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #unauthorized = false;
  #deadline = Number.POSITIVE_INFINITY;
  #shutdown: Promise<DeliveryReport> | undefined;
  #sent = 0;
  #failed = 0;
  #dropped = 0;
  #requests = 0;
  #retries = 0;

  constructor(options: BatchingOptions, sender: BatchSender, logger: Logger) {
    this.#options = options;
    this.#sender = sender;
    this.#logger = logger;
    this.#sendQueue = new PQueue({ concurrency: options.maxConcurrentRequests });
    this.#queue = new EventQueue({
      maxBatchEvents: options.maxBatchEvents,
      maxBatchCost: options.maxBatchBytes - 2,
      envelope: (e) => this.#envelope(e),
    });
    // The bus refuses larger events at the call site; the margin covers the envelope, the memory allowance,
    // the brackets, and a type name of up to 254 characters.
    this.maxEventBytes = options.maxBatchBytes - ENVELOPE_OVERHEAD - QUEUED_EVENT_OVERHEAD - 2 - 256;
  }

  publishEvent(event: SerializedEvent): void {
    if (this.#closed) {
      this.#drop(1, "shut_down");
      return;
    }
    const size = this.#sizeOf(event);
    if (size + 2 > this.#options.maxBatchBytes) {
      this.#logOnce("too_large", "error", `${event.type} is larger than maxBatchBytes and was dropped`);
      this.#drop(1, "too_large");
      return;
    }
    // The final event carries the run's output: it is never dropped for space.
    if (event.type !== FINAL_EVENT_TYPE && this.#isFull(size)) {
      this.#drop(1, "queue_full");
      return;
    }
    this.#queue.push(event, size);
    this.#schedule();
  }

  /**
   * Resolves when everything published before the call is acknowledged or has failed, in flight included,
   * or when `timeoutMs` passes (what is pending stays queued). Concurrent callers share the work. Never rejects.
   */
  async flush(options: FlushOptions = {}): Promise<DeliveryReport> {
    const target = this.#queue.enqueued;
    if (this.#lowestUnsettled() < target) {
      this.#sendNow();
      await this.#settled(target, options.timeoutMs);
    }
    return this.#report();
  }

  /**
   * Stops intake, drains under the deadline (default `shutdownTimeoutMs`), then gives up on what is left
   * and closes connections. Idempotent: later calls return the first call's result.
   */
  shutdown(options: FlushOptions = {}): Promise<DeliveryReport> {
    this.#shutdown ??= this.#drainAndClose(options.timeoutMs ?? this.#options.shutdownTimeoutMs);
    return this.#shutdown;
  }

  /**
   * For a process 'exit' handler: stops the driver and POSTs everything not yet acknowledged, in order,
   * blocking for at most `timeoutMs` (default `shutdownTimeoutMs`). Batches in flight are sent again, so
   * they may arrive twice (event ids tell). Without a synchronous sender, everything pending is failed.
   */
  flushSync(options: FlushOptions = {}): DeliveryReport {
    this.#closed = true;
    this.#abort.abort();
    const batches = [...this.#inFlight].sort((a, b) => a.firstSeq - b.firstSeq);
    // Their async completion can no longer be counted on: the loop will not turn again.
    this.#inFlight.clear();
    batches.push(...this.#queue.drain());
    const timeoutMs = options.timeoutMs ?? this.#options.shutdownTimeoutMs;
    const acknowledged =
      this.#sender.sendSync?.(
        batches.map((b) => b.body),
        timeoutMs,
      ) ?? 0;
    batches.forEach((batch, i) => {
      if (i < acknowledged) this.#sent += batch.count;
      else this.#fail(batch.count, "deadline", "not acknowledged before the process exited");
    });
    this.#wakeWaiters();
    return this.#report();
  }

  stats(): DriverStats {
    return {
      ...this.#report(),
      queuedEvents: this.#queue.length,
      queuedBytes: this.#queue.bytes,
      inFlightBatches: this.#inFlight.size,
      requests: this.#requests,
      retries: this.#retries,
    };
  }

  async #drainAndClose(timeoutMs: number): Promise<DeliveryReport> {
    this.#closed = true;
    this.#deadline = performance.now() + timeoutMs;
    await this.flush({ timeoutMs });
    const timedOut = this.#lowestUnsettled() < this.#queue.enqueued;
    if (timedOut) {
      // Past the deadline: stop retry waits and requests in flight, and give up on what never left.
      this.#abort.abort();
      const rest = this.#queue.drain().reduce((n, batch) => n + batch.count, 0);
      if (rest > 0) this.#fail(rest, "deadline", "shutdown deadline reached before these were sent");
      await this.#sendQueue.onIdle();
    }
    await this.#sender.close(timedOut);
    return this.#report();
  }

  #isFull(size: number): boolean {
    return this.#queue.length >= this.#options.maxQueueEvents || this.#queue.bytes + size > this.#options.maxQueueBytes;
  }

  /**
   * What an event counts against the queue and batch caps: its envelope's length, which is its size on the wire
   * for ASCII, plus what holding it costs in memory besides the text. No exact UTF-8 measurement on the
   * publish path: it cost more than a tenth of a publish.
   */
  #sizeOf(event: SerializedEvent): number {
    return event.json.length + ENVELOPE_OVERHEAD + this.#typeJsonOf(event.type).length + QUEUED_EVENT_OVERHEAD;
  }

  #envelope(event: SerializedEvent): string {
    const type = this.#typeJsonOf(event.type);
    return `{"payload":${event.json},"timestamp":${timestampText(event, type)},"type":${type}}`;
  }

  #typeJsonOf(type: string): string {
    let json = this.#typeJson.get(type);
    if (json === undefined) {
      json = JSON.stringify(type);
      this.#typeJson.set(type, json);
    }
    return json;
  }

  #schedule(): void {
    if (this.#lingerTimer !== undefined && this.#queue.hasFullBatch) {
      // The linger is for latency; a full batch does not wait for it.
      clearTimeout(this.#lingerTimer);
      this.#lingerTimer = undefined;
      setImmediate(() => this.#startBatches());
      return;
    }
    if (this.#scheduled || this.#queue.length === 0 || !this.#hasFreeSlot()) return;
    this.#scheduled = true;
    if (this.#options.lingerMs > 0 && !this.#queue.hasFullBatch && !this.#closed) {
      this.#lingerTimer = setTimeout(() => this.#startBatches(), this.#options.lingerMs).unref();
    } else {
      // Not sent synchronously: events published in the same tick go together in one batch.
      setImmediate(() => this.#startBatches());
    }
  }

  /** Skips a pending linger (flush and shutdown want the data out now). */
  #sendNow(): void {
    if (this.#lingerTimer === undefined) return;
    clearTimeout(this.#lingerTimer);
    this.#startBatches();
  }

  /** Each batch in flight is one task of the send queue; counting our own set is cheaper on the publish path. */
  #hasFreeSlot(): boolean {
    return this.#inFlight.size < this.#options.maxConcurrentRequests;
  }

  #startBatches(): void {
    this.#scheduled = false;
    this.#lingerTimer = undefined;
    while (this.#hasFreeSlot()) {
      const batch = this.#queue.take();
      if (batch === undefined) return;
      this.#inFlight.add(batch);
      this.#sendQueue
        .add(() => this.#deliver(batch))
        .catch((error: unknown) => {
          // #deliver handles every outcome; reaching here is a bug, and it must not lose the count.
          this.#fail(batch.count, "rejected", `internal error: ${String(error)}`);
        })
        .finally(() => {
          this.#inFlight.delete(batch);
          this.#wakeWaiters();
          // What accumulated while this batch was in flight goes now: waiting a tick, as a first publish
          // does to gather its siblings, would only let more publishing delay the request.
          if (this.#lingerTimer === undefined && !this.#scheduled) this.#startBatches();
          else this.#schedule();
        });
    }
  }

  async #deliver(batch: Batch): Promise<void> {
    if (this.#unauthorized) {
      this.#fail(batch.count, "unauthorized", "not sent: the Events API refused the API key earlier");
      return;
    }
    const { body } = batch;
    // Batches are cut by UTF-16 length, which equals UTF-8 bytes for ASCII. Text with wider characters can
    // make the body larger than the cap: measured exactly only when it could be, and then split like a 413.
    const outcome =
      body.length * 3 > this.#options.maxBatchBytes && Buffer.byteLength(body) > this.#options.maxBatchBytes
        ? ({ kind: "too_large", status: 0 } as const)
        : await this.#sendWithRetries(batch, body);
    switch (outcome.kind) {
      case "ok":
        this.#sent += batch.count;
        return;
      case "too_large":
        if (batch.count === 1) {
          const why = outcome.status === 0 ? "is larger than maxBatchBytes" : `got HTTP ${outcome.status}`;
          const { type } = JSON.parse(batch.envelope(0)) as { type: string };
          this.#fail(1, "too_large", `a single ${type} ${why}`);
          return;
        }
        // Halves, in order: the server's limit is unknown, so shrink until it accepts.
        await this.#deliver(batch.slice(0, batch.count >> 1));
        await this.#deliver(batch.slice(batch.count >> 1, batch.count));
        return;
      case "rejected":
        if (outcome.status === 401 || outcome.status === 403) {
          // A refused key will not fix itself: stop sending rather than hammer the API with every batch.
          this.#unauthorized = true;
          this.#fail(
            batch.count,
            "unauthorized",
            `the Events API refused the API key (HTTP ${outcome.status}); check GT_CLOUD_API_KEY. Nothing more will be sent`,
            outcome.status,
          );
          return;
        }
        this.#fail(
          batch.count,
          "rejected",
          `the Events API rejected a batch with HTTP ${outcome.status}: ${outcome.message}`,
          outcome.status,
        );
        return;
      case "retry":
      case "gave_up":
        this.#fail(
          batch.count,
          outcome.kind === "gave_up" ? outcome.reason : "retries_exhausted",
          outcome.kind === "gave_up" ? outcome.message : outcome.reason,
        );
        return;
    }
  }

  async #sendWithRetries(batch: Batch, body: string): Promise<Delivery> {
    try {
      return await pRetry(
        async () => {
          const started = performance.now();
          const outcome = await this.#sender.send(body, this.#abort.signal);
          this.#requests++;
          if (requestChannel.hasSubscribers) {
            requestChannel.publish({
              events: batch.count,
              bytes: Buffer.byteLength(body),
              status: "status" in outcome ? outcome.status : undefined,
              outcome: outcome.kind,
              durationMs: performance.now() - started,
            });
          }
          if (outcome.kind === "retry") throw new RetryableOutcome(outcome);
          return outcome;
        },
        {
          retries: this.#options.maxRetries,
          // p-retry counts attempts; the waits are ours (full jitter, Retry-After, the shutdown deadline).
          minTimeout: 0,
          onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
            if (!(error instanceof RetryableOutcome) || retriesLeft === 0) return;
            await this.#waitBeforeRetry(error.outcome, attemptNumber, batch.count);
          },
        },
      );
    } catch (error) {
      if (error instanceof RetryableOutcome) {
        return { kind: "gave_up", reason: "retries_exhausted", message: `gave up after retries: ${error.message}` };
      }
      if (error instanceof DeadlineReached) return { kind: "gave_up", reason: "deadline", message: error.message };
      return { kind: "gave_up", reason: "retries_exhausted", message: String(error) };
    }
  }

  async #waitBeforeRetry(outcome: RetryableOutcome["outcome"], attempt: number, events: number): Promise<void> {
    const { retryInitialDelayMs, retryMaxDelayMs, maxRetryAfterMs } = this.#options;
    const delayMs =
      outcome.retryAfterMs === undefined
        ? backoffDelay(attempt, retryInitialDelayMs, retryMaxDelayMs)
        : Math.min(outcome.retryAfterMs, maxRetryAfterMs);
    if (this.#abort.signal.aborted || performance.now() + delayMs > this.#deadline) {
      throw new DeadlineReached(`shutdown deadline reached while retrying (${outcome.reason})`);
    }
    this.#retries++;
    if (retryChannel.hasSubscribers) retryChannel.publish({ events, attempt, delayMs, reason: outcome.reason });
    try {
      // Unref'd: a retry wait never keeps a finished process alive.
      await sleep(delayMs, undefined, { signal: this.#abort.signal, ref: false });
    } catch {
      throw new DeadlineReached(`shutdown deadline reached while retrying (${outcome.reason})`);
    }
  }

  #lowestUnsettled(): number {
    let lowest = this.#queue.headSeq;
    for (const batch of this.#inFlight) lowest = Math.min(lowest, batch.firstSeq);
    return lowest;
  }

  #settled(target: number, timeoutMs: number | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      // Ref'd, unlike every other timer here: someone awaits this flush, and with only unref'd retry waits
      // left, Node would end the process under them (a top-level await would exit with code 13). Bounded by
      // timeoutMs, or else by the retry budget.
      const timer = setTimeout(() => done(), timeoutMs ?? MAX_TIMER_MS);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        resolve();
      };
      this.#waiters.push({ target, resolve: done });
    });
  }

  #wakeWaiters(): void {
    const lowest = this.#lowestUnsettled();
    for (const waiter of this.#waiters) if (waiter.target <= lowest) waiter.resolve();
  }

  #drop(events: number, reason: DropDiagnostic["reason"]): void {
    this.#dropped += events;
    if (reason === "queue_full") {
      const { maxQueueEvents, maxQueueBytes } = this.#options;
      this.#logOnce(
        "queue_full",
        "warn",
        `event queue full (${maxQueueEvents} events / ${maxQueueBytes} bytes): dropping new events until it drains; stats().dropped counts them`,
      );
    }
    if (dropChannel.hasSubscribers) dropChannel.publish({ events, reason } satisfies DropDiagnostic);
  }

  #fail(events: number, reason: FailureDiagnostic["reason"], message: string, status?: number): void {
    this.#failed += events;
    this.#logOnce(`${reason}:${status ?? ""}`, "error", `${events} event(s) not delivered: ${message}`);
    if (failureChannel.hasSubscribers) {
      failureChannel.publish({
        events,
        reason,
        message,
        ...(status === undefined ? {} : { status }),
      } satisfies FailureDiagnostic);
    }
  }

  /** One line per kind of problem: a dead endpoint must not turn into a log line per batch. */
  #logOnce(key: string, level: "warn" | "error", message: string): void {
    if (this.#logged.has(key)) return;
    this.#logged.add(key);
    this.#logger[level](message);
  }

  #report(): DeliveryReport {
    let inFlight = 0;
    for (const batch of this.#inFlight) inFlight += batch.count;
    return { sent: this.#sent, failed: this.#failed, dropped: this.#dropped, pending: this.#queue.length + inFlight };
  }
}
