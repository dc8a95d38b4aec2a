import PQueue from "p-queue";
import { ENV } from "../config.js";
import { boundDelay, MAX_TIMER_MS, TRANSPORT_GRACE_MS, timeoutOf } from "../delays.js";
import { describeThrown } from "../describe-value.js";
import { timestampJson } from "../events/ids.js";
import type { SerializedEvent } from "../events/serialized-event.js";
import type { BatchSender, SyncSendResult } from "../http/batch-sender.js";
import { classifyError } from "../http/retry-policy.js";
import {
  type DeadlineStop,
  type Delivery,
  type RetryContext,
  RetryingSender,
  type RetryOutcome,
} from "../http/retrying-sender.js";
import type { Logger } from "../logger.js";
import type { Batch } from "./batch.js";
import type { BatchingOptions } from "./batching-options.js";
import { DeadlineLosses } from "./deadline-losses.js";
import {
  type DropDiagnostic,
  dropChannel,
  type FailureDiagnostic,
  failureChannel,
  requestChannel,
  retryChannel,
} from "./delivery-diagnostics.js";
import type {
  DeliveryReport,
  EventListenerDriver,
  FailureReason,
  FlushOptions,
  LastAttempt,
  OutputDelivery,
} from "./event-listener-driver.js";
import { EventQueue } from "./event-queue.js";
import { outputLossReportedElsewhere } from "./output-loss-reporters.js";

/** A snapshot of a batching driver's counters since it was created. */
export interface DriverStats extends DeliveryReport {
  queuedEvents: number;
  queuedBytes: number;
  inFlightBatches: number;
  /** HTTP requests made, retries included. */
  requests: number;
  retries: number;
}

/** A batch in flight, and how many of its events are already counted (a 413 split settles it in parts). */
interface InFlight {
  readonly batch: Batch;
  counted: number;
  /** Given up on at the shutdown deadline: whatever its request does later is not counted again. */
  abandoned: boolean;
}

// Bytes an envelope adds around the payload: {"payload":…,"timestamp":…,"type":…}, the comma between
// envelopes, and the longest timestamp a double prints as. Counting it keeps batches under the byte cap.
const ENVELOPE_OVERHEAD = '{"payload":,"timestamp":,"type":},'.length + 24;
const FINAL_EVENT_TYPE = "FinishStructureRunEvent";
// Bytes a queued event costs beyond its text: the SerializedEvent object, the string's header, the queue slot
// (measured: ~200 B per event on Node 20). Counting it makes maxQueueBytes bound memory, not just wire bytes.
const QUEUED_EVENT_OVERHEAD = 192;
/** Consecutive failed attempts of a batch after which the driver says once that delivery is failing. */
const WARN_AFTER_FAILED_ATTEMPTS = 2;

/**
 * The delivery engine (see docs/delivery.md): an ordered, bounded queue of serialised events, adaptive batches
 * (what is queued goes at once when no request is in flight; while one is, events accumulate for the next),
 * 413 splitting, flush and shutdown under deadlines, and the counts of it all. The attempts of each batch (retries,
 * backoff, Retry-After, the per-request bound) are `RetryingSender`'s; p-queue runs the batches, as many at once as
 * `maxConcurrentRequests` allows. Subclasses give it a `BatchSender`.
 */
export class BatchingEventListenerDriver implements EventListenerDriver {
  readonly maxEventBytes: number;
  readonly maxEventBytesReason: string;
  readonly #options: BatchingOptions;
  readonly #sender: BatchSender;
  readonly #retrying: RetryingSender;
  readonly #logger: Logger;
  readonly #queue: EventQueue;
  readonly #sendQueue: PQueue;
  readonly #inFlight = new Set<InFlight>();
  readonly #abort = new AbortController();
  /** Aborted when shutdown sets the deadline: retry waits begun before it are planned again against it. */
  readonly #deadlineSet = new AbortController();
  readonly #typeJson = new Map<string, string>();
  readonly #logged = new Set<string>();
  #waiters: { target: number; resolve: () => void }[] = [];
  /** A send is on its way (a tick, a linger, or a task waiting in the send queue) and has not taken its batch yet. */
  #scheduled = false;
  #lingerTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /** The status (401 or 403) of the answer that refused the key; nothing is sent after it. */
  #refusedWith: number | undefined;
  #deadline = Number.POSITIVE_INFINITY;
  #shutdown: Promise<DeliveryReport> | undefined;
  /** Sequence number of the last FinishStructureRunEvent queued, and what became of it. */
  #outputSeq: number | undefined;
  #output: OutputDelivery | undefined;
  /** Delivery is struggling and the user was told so (once); a later success says it recovered (once). */
  #troubleWarned = false;
  #recoveryLogged = false;
  readonly #deadlineLosses = new DeadlineLosses();
  #sent = 0;
  #failed = 0;
  #dropped = 0;
  #requests = 0;
  #retries = 0;

  constructor(options: BatchingOptions, sender: BatchSender, logger: Logger) {
    this.#options = options;
    this.#sender = sender;
    this.#retrying = new RetryingSender(sender, options);
    this.#logger = logger;
    // Each task sends one batch; the queue's concurrency is what bounds the requests in flight.
    this.#sendQueue = new PQueue({ concurrency: options.maxConcurrentRequests });
    this.#queue = new EventQueue({
      maxBatchEvents: options.maxBatchEvents,
      maxBatchCost: options.maxBatchBytes - 2,
      envelope: (e) => this.#envelope(e),
    });
    // The bus refuses larger events at the call site; the margin covers the envelope, the memory allowance,
    // the brackets, and a type name of up to 254 characters.
    this.maxEventBytes = options.maxBatchBytes - ENVELOPE_OVERHEAD - QUEUED_EVENT_OVERHEAD - 2 - 256;
    // The limit is not the documented batch size: say why, and what raises it (see docs/delivery.md).
    this.maxEventBytesReason = `the ${byteSize(options.maxBatchBytes)} maximum batch size less ${options.maxBatchBytes - this.maxEventBytes} bytes for the envelope around the event, set by option maxBatchBytes or env GT_EVENTS_MAX_BATCH_BYTES`;
  }

  publishEvent(event: SerializedEvent): void {
    const isOutput = event.type === FINAL_EVENT_TYPE;
    if (this.#closed) {
      if (isOutput) {
        this.#output = { status: "failed", reason: "shut_down", message: "published after the driver was shut down" };
      }
      this.#drop(1, "shut_down");
      return;
    }
    const size = this.#sizeOf(event);
    if (size + 2 > this.#options.maxBatchBytes) {
      const message = `${event.type} is larger than maxBatchBytes and was dropped`;
      if (isOutput) this.#output = { status: "failed", reason: "too_large", message };
      this.#logOnce("too_large", "error", message);
      this.#drop(1, "too_large");
      return;
    }
    // The final event carries the run's output: it is never dropped for space.
    if (!isOutput && this.#isFull(size)) {
      this.#drop(1, "queue_full");
      return;
    }
    if (isOutput) {
      this.#outputSeq = this.#queue.enqueued;
      this.#output = { status: "pending" };
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
      await this.#settled(target, timeoutOf(options));
    }
    return this.#report();
  }

  /**
   * Stops intake, drains under the deadline (default `shutdownTimeoutMs`), then gives up on what is left
   * and closes connections. Idempotent: later calls return the first call's result.
   */
  shutdown(options: FlushOptions = {}): Promise<DeliveryReport> {
    this.#shutdown ??= this.#drainAndClose(timeoutOf(options) ?? this.#options.shutdownTimeoutMs);
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
    const inFlight = [...this.#inFlight].sort((a, b) => a.batch.firstSeq - b.batch.firstSeq);
    // Their async completion can no longer be counted on: the loop will not turn again. What a split batch
    // already settled is counted; the whole batch is sent again.
    this.#inFlight.clear();
    for (const flight of inFlight) flight.abandoned = true;
    const batches = [...inFlight.map((f) => f.batch), ...this.#queue.drain()];
    const uncounted = [
      ...inFlight.map((f) => f.batch.count - f.counted),
      ...batches.slice(inFlight.length).map((b) => b.count),
    ];
    const timeoutMs = timeoutOf(options) ?? this.#options.shutdownTimeoutMs;
    let result: SyncSendResult = { acknowledged: 0, failure: "this driver cannot deliver synchronously" };
    if (batches.length > 0 && this.#sender.sendSync !== undefined) {
      try {
        const sent = this.#sender.sendSync(
          batches.map((b) => b.body),
          timeoutMs,
        );
        // A sender's answer is checked like any input: a malformed one counts as nothing acknowledged.
        result = Number.isInteger(sent?.acknowledged)
          ? sent
          : { acknowledged: 0, failure: "the synchronous sender gave no count" };
      } catch (error) {
        result = { acknowledged: 0, failure: describeThrown(error).message };
      }
    }
    const why = result.failure ?? "deadline";
    const cannotConnect = result.code !== undefined && classifyError({ code: result.code }) === "connect";
    const last: LastAttempt = {
      reason: cannotConnect ? `cannot connect (${why})` : why,
      ...(result.status === undefined ? {} : { status: result.status, transport: "http" as const }),
      ...(cannotConnect ? { transport: "connect" as const } : {}),
    };
    let lost = 0;
    batches.forEach((batch, i) => {
      if (i < result.acknowledged) {
        this.#countSent(batch, uncounted[i]!);
        return;
      }
      lost += uncounted[i]!;
      // The first batch not acknowledged got the answer; those after it were not tried (order is kept), so
      // the same answer is why they were lost.
      const status = result.status;
      const reason: FailureReason = status === 401 || status === 403 ? "unauthorized" : "deadline";
      this.#countFailed(batch, uncounted[i]!, reason, `not acknowledged before the process exited (${why})`, {
        ...(status === undefined ? {} : { httpStatus: status }),
        last,
        quiet: true,
      });
    });
    // One line for the whole exit, with the count the report holds.
    if (lost > 0 && !this.#lossSaidElsewhere()) {
      this.#logger.error(`${lost} event(s) not delivered before the process exited (${why})`);
    }
    this.#wakeWaiters();
    return this.#report();
  }

  /** What became of the last FinishStructureRunEvent published here; undefined if none was. */
  outputDelivery(): OutputDelivery | undefined {
    return this.#output === undefined ? undefined : { ...this.#output };
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
    this.#deadlineSet.abort();
    await this.flush({ timeoutMs });
    const timedOut = this.#lowestUnsettled() < this.#queue.enqueued;
    if (timedOut) {
      // Past the deadline: stop retry waits and requests in flight, and give up on what never left.
      this.#abort.abort();
      for (const batch of this.#queue.drain()) {
        this.#countFailed(batch, batch.count, "deadline", "shutdown deadline reached before these were sent", {
          stop: "cut_off",
        });
      }
      // A transport that ignores the abort must not hold shutdown: what is still in flight is given up on.
      await withinMs(this.#sendQueue.onIdle(), TRANSPORT_GRACE_MS);
      for (const flight of this.#inFlight) {
        flight.abandoned = true;
        this.#countFailed(
          flight.batch,
          flight.batch.count - flight.counted,
          "deadline",
          "its request did not end at the shutdown deadline",
          { stop: "cut_off" },
        );
      }
      this.#inFlight.clear();
    }
    await withinMs(
      Promise.resolve()
        .then(() => this.#sender.close(timedOut))
        .catch(() => {}),
      TRANSPORT_GRACE_MS,
    );
    const lost = this.#deadlineLosses.summary(timeoutMs);
    if (lost !== undefined && !this.#lossSaidElsewhere()) this.#logger.error(lost);
    this.#wakeWaiters();
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
    // The timestamp as the payload spells it: the same double printed the same way (events of one millisecond share
    // the text, see timestampJson), without reading it back out of the payload, which would flatten the string.
    return `{"payload":${event.json},"timestamp":${timestampJson(event.timestamp)},"type":${type}}`;
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
      setImmediate(() => this.#enqueueSend());
      return;
    }
    if (this.#scheduled || this.#queue.length === 0) return;
    this.#scheduled = true;
    if (this.#options.lingerMs > 0 && !this.#queue.hasFullBatch && !this.#closed) {
      this.#lingerTimer = setTimeout(() => this.#enqueueSend(), boundDelay(this.#options.lingerMs)).unref();
    } else {
      // Not sent synchronously: events published in the same tick go together in one batch.
      setImmediate(() => this.#enqueueSend());
    }
  }

  /** Skips a pending linger (flush and shutdown want the data out now). */
  #sendNow(): void {
    if (this.#lingerTimer === undefined) return;
    clearTimeout(this.#lingerTimer);
    this.#enqueueSend();
  }

  /**
   * Queues a task that takes its batch only when it starts: when a request is in flight, it waits in the send
   * queue, and what is published meanwhile joins the batch it will take (adaptive batching).
   */
  #enqueueSend(): void {
    this.#lingerTimer = undefined;
    this.#sendQueue
      .add(() => this.#sendNext())
      .catch(() => {
        // #sendNext counts every failure of its own; nothing reaches here.
      });
  }

  async #sendNext(): Promise<void> {
    this.#scheduled = false;
    const batch = this.#queue.take();
    if (batch === undefined) return;
    const flight: InFlight = { batch, counted: 0, abandoned: false };
    this.#inFlight.add(flight);
    // More is queued (a full batch already cut, or events of this tick): its task may start in a free slot.
    this.#schedule();
    try {
      await this.#deliver(flight, batch);
    } catch (error) {
      // #deliver handles every outcome; reaching here is a bug, and it must not lose the count.
      this.#countFailed(
        batch,
        batch.count - flight.counted,
        "rejected",
        `internal error: ${describeThrown(error).message}`,
        {},
        flight,
      );
    } finally {
      this.#inFlight.delete(flight);
      this.#wakeWaiters();
    }
  }

  /** Sends `batch` (the whole in-flight batch, or a part of it after a 413) and counts how it ended. */
  async #deliver(flight: InFlight, batch: Batch): Promise<void> {
    if (this.#refusedWith !== undefined) {
      this.#countFailed(
        batch,
        batch.count,
        "unauthorized",
        `not sent: earlier, ${refusal(this.#refusedWith)}`,
        { httpStatus: this.#refusedWith },
        flight,
      );
      return;
    }
    const { body } = batch;
    // Batches are cut by UTF-16 length, which equals UTF-8 bytes for ASCII. Text with wider characters can
    // make the body larger than the cap: measured exactly only when it could be, and then split like a 413.
    const outcome =
      body.length * 3 > this.#options.maxBatchBytes && Buffer.byteLength(body) > this.#options.maxBatchBytes
        ? ({ kind: "too_large", status: 0 } as const)
        : await this.#retrying.send(body, this.#retryContext(batch));
    switch (outcome.kind) {
      case "ok":
        this.#countSent(batch, batch.count, flight);
        return;
      case "too_large":
        if (batch.count === 1) {
          const why = outcome.status === 0 ? "is larger than maxBatchBytes" : `got HTTP ${outcome.status}`;
          const { type } = JSON.parse(batch.envelope(0)) as { type: string };
          this.#countFailed(
            batch,
            1,
            "too_large",
            `a single ${type} ${why}`,
            outcome.status === 0 ? {} : { httpStatus: outcome.status },
            flight,
          );
          return;
        }
        // Halves, in order: the server's limit is unknown, so shrink until it accepts.
        await this.#deliver(flight, batch.slice(0, batch.count >> 1));
        await this.#deliver(flight, batch.slice(batch.count >> 1, batch.count));
        return;
      case "rejected":
        if (outcome.status === 401 || outcome.status === 403) {
          // A refused key will not fix itself: stop sending rather than hammer the API with every batch.
          this.#refusedWith = outcome.status;
          this.#countFailed(
            batch,
            batch.count,
            "unauthorized",
            `${refusal(outcome.status)}. Nothing more will be sent: every event from now on counts as failed`,
            { httpStatus: outcome.status },
            flight,
          );
          return;
        }
        this.#countFailed(
          batch,
          batch.count,
          "rejected",
          `the Events API rejected a batch of ${batch.count} event(s) with HTTP ${outcome.status}: ${outcome.message}`,
          { httpStatus: outcome.status },
          flight,
        );
        return;
      case "invalid_request":
        this.#countFailed(
          batch,
          batch.count,
          "invalid_request",
          `the request could not be made, and would fail the same way again: ${outcome.reason}`,
          {},
          flight,
        );
        return;
      case "gave_up": {
        const { last } = outcome;
        this.#countFailed(
          batch,
          batch.count,
          outcome.reason,
          this.#gaveUpMessage(batch, outcome),
          { ...(last === undefined ? {} : { last }), ...(outcome.stop === undefined ? {} : { stop: outcome.stop }) },
          flight,
        );
        return;
      }
    }
  }

  #gaveUpMessage(batch: Batch, outcome: Extract<Delivery, { kind: "gave_up" }>): string {
    const { last } = outcome;
    if (outcome.internalError !== undefined) return `internal error: ${outcome.internalError}`;
    if (outcome.reason === "retries_exhausted") {
      return `a batch of ${batch.count} event(s) was given up after ${this.#options.maxRetries} retries (last: ${last?.reason ?? "unknown"})`;
    }
    switch (outcome.stop) {
      case "last_attempt":
        return `the last attempt the shutdown deadline left room for failed (last: ${last?.reason ?? "unknown"})`;
      case "retry_after":
        return `the Events API asked to be retried only after the shutdown deadline (last: ${last?.reason ?? "unknown"})`;
      default:
        return last === undefined
          ? "no answer from the Events API before the shutdown deadline"
          : `shutdown deadline reached while retrying (last: ${last.reason})`;
    }
  }

  /** What the retrying layer reports of each attempt of `batch`, counted and published as diagnostics here. */
  #retryContext(batch: Batch): RetryContext {
    return {
      signal: this.#abort.signal,
      deadline: () => this.#deadline,
      deadlineSet: this.#deadlineSet.signal,
      onAttempt: (outcome, durationMs, attempt) => {
        this.#requests++;
        if (requestChannel.hasSubscribers) {
          requestChannel.publish({
            events: batch.count,
            bytes: Buffer.byteLength(batch.body),
            status: "status" in outcome ? outcome.status : undefined,
            outcome: outcome.kind,
            durationMs,
          });
        }
        if (outcome.kind === "ok") this.#recovered();
        else if (outcome.kind === "retry" && attempt >= WARN_AFTER_FAILED_ATTEMPTS) this.#warnTrouble(outcome);
      },
      onRetry: (outcome, attempt, delayMs) => {
        this.#retries++;
        if (retryChannel.hasSubscribers) {
          retryChannel.publish({ events: batch.count, attempt, delayMs, reason: outcome.reason });
        }
      },
    };
  }

  /** Says once that delivery is struggling, so that a dead endpoint is not met with silence until the deadline. */
  #warnTrouble(outcome: RetryOutcome): void {
    if (this.#troubleWarned || outcome.transport === "aborted") return;
    this.#troubleWarned = true;
    const hint = outcome.transport === "connect" ? `; check ${ENV.baseUrl}` : "";
    this.#logger.warn(
      `events are not being delivered yet: ${outcome.reason}${hint}. Retrying (up to ${this.#options.maxRetries} retries per batch, within the shutdown deadline)`,
    );
  }

  #recovered(): void {
    if (!this.#troubleWarned || this.#recoveryLogged) return;
    this.#recoveryLogged = true;
    this.#logger.warn("events are being delivered again");
  }

  #lowestUnsettled(): number {
    let lowest = this.#queue.headSeq;
    for (const flight of this.#inFlight) lowest = Math.min(lowest, flight.batch.firstSeq);
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

  /** Counts `events` of `batch` acknowledged (all of them unless part was counted already). */
  #countSent(batch: Batch, events: number, flight?: InFlight): void {
    if (flight !== undefined) {
      if (flight.abandoned) return;
      flight.counted += events;
    }
    this.#sent += events;
    if (this.#holdsOutput(batch)) this.#output = { status: "acknowledged" };
  }

  /** Counts `events` of `batch` given up on, logs the first of each kind, and publishes the diagnostic. */
  #countFailed(
    batch: Batch,
    events: number,
    reason: FailureReason,
    message: string,
    details: { httpStatus?: number; last?: LastAttempt; quiet?: boolean; stop?: DeadlineStop } = {},
    flight?: InFlight,
  ): void {
    if (flight !== undefined) {
      if (flight.abandoned) return;
      flight.counted += events;
    }
    if (events <= 0) return;
    this.#failed += events;
    const { httpStatus, last } = details;
    if (this.#holdsOutput(batch) && this.#output?.status !== "acknowledged") {
      this.#output = {
        status: "failed",
        reason,
        message,
        ...(httpStatus === undefined ? {} : { httpStatus }),
        ...(last === undefined ? {} : { lastAttempt: last }),
      };
    }
    // Deadline failures are summed into one line at the end of shutdown, whose count matches the report.
    if (details.quiet === true) {
      // The caller logs one line for all of them.
    } else if (reason === "deadline") this.#deadlineLosses.add(events, details.stop ?? "cut_off", last);
    else this.#logOnce(`${reason}:${httpStatus ?? ""}`, "error", message);
    if (failureChannel.hasSubscribers) {
      failureChannel.publish({
        events,
        reason,
        message,
        ...(httpStatus === undefined ? {} : { status: httpStatus }),
      } satisfies FailureDiagnostic);
    }
  }

  /** Whether the closing line about lost events would repeat a caller's sentence about the lost output. */
  #lossSaidElsewhere(): boolean {
    return this.#output !== undefined && this.#output.status !== "acknowledged" && outputLossReportedElsewhere(this);
  }

  #holdsOutput(batch: Batch): boolean {
    const seq = this.#outputSeq;
    return seq !== undefined && seq >= batch.firstSeq && seq < batch.firstSeq + batch.count;
  }

  /** One line per kind of problem: a dead endpoint must not turn into a log line per batch. */
  #logOnce(key: string, level: "warn" | "error", message: string): void {
    if (this.#logged.has(key)) return;
    this.#logged.add(key);
    this.#logger[level](message);
  }

  #report(): DeliveryReport {
    let inFlight = 0;
    for (const flight of this.#inFlight) inFlight += flight.batch.count - flight.counted;
    return { sent: this.#sent, failed: this.#failed, dropped: this.#dropped, pending: this.#queue.length + inFlight };
  }
}

/** Waits for `promise`, but no longer than `ms`; never rejects. */
function withinMs(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([
    promise.then(
      () => {},
      () => {},
    ),
    limit,
  ]).finally(() => clearTimeout(timer));
}

/**
 * What a 401 or a 403 from the Events API means, and what to check. 401: the key itself was refused. 403: the API
 * knows the key but it may not post to this run, which a wrong run id gives as surely as a key of another account
 * (see docs/delivery.md).
 */
function refusal(status: number): string {
  return status === 403
    ? `the Events API does not let the API key post to this run (HTTP 403); check ${ENV.structureRunId} and ${ENV.apiKey}`
    : `the Events API refused the API key (HTTP ${status}); check ${ENV.apiKey}`;
}

/** `1 MiB` for a whole number of MiB or KiB, else the bytes: the batch size as the README's table gives it. */
function byteSize(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes}-byte`;
}
