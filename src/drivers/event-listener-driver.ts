import type { SerializedEvent } from "../events/serialized-event.js";

/** Counts a driver reports from `flush`, `shutdown` and `stats`. */
export interface DeliveryReport {
  /** Events acknowledged by the destination. */
  sent: number;
  /** Events given up on after an error (a rejected batch, retries exhausted, a deadline). */
  failed: number;
  /** Events refused at intake (queue full, shut down). */
  dropped: number;
  /** Events still queued or in flight when the report was made. */
  pending: number;
}

export interface FlushOptions {
  /**
   * Resolve after this long even if events are still pending; they stay queued. Default: no limit. Bounded to
   * [0, 2^31-1]; a value that is not a finite number counts as not given.
   */
  timeoutMs?: number;
}

/** Why events were given up on. */
export type FailureReason =
  | "rejected"
  | "unauthorized"
  | "too_large"
  | "retries_exhausted"
  | "deadline"
  | "invalid_request";

/** The last failed attempt before a batch was given up on (for `deadline` and `retries_exhausted`). */
export interface LastAttempt {
  /** E.g. `HTTP 503`, `no response within 10000 ms`, `cannot connect to https://x (ENOTFOUND: …)`. */
  reason: string;
  /** `connect`: the host could not be reached; `http`: a retryable status; `network`, `timeout`. */
  transport?: "http" | "connect" | "network" | "timeout";
  status?: number;
}

/**
 * What became of the last `FinishStructureRunEvent` a driver was given: it carries the run's output, so
 * `runStructure` reports a lost one as a failed run.
 */
export type OutputDelivery =
  | { status: "acknowledged" }
  | { status: "pending" }
  | {
      status: "failed";
      /** `shut_down`: the driver had already been shut down when the event was published. */
      reason: FailureReason | "shut_down";
      message: string;
      /** The HTTP status that decided it (401, 403, 400, 413…), if any. */
      httpStatus?: number;
      lastAttempt?: LastAttempt;
    };

/**
 * Where an `EventListener` hands events. Implementations: `MemoryEventListenerDriver`, the batching
 * `GriptapeCloudEventListenerDriver`, or your own.
 *
 * Contract: `publishEvent` is synchronous, never blocks on I/O and never throws for transport problems;
 * `flush` and `shutdown` never reject.
 */
export interface EventListenerDriver {
  publishEvent(event: SerializedEvent): void;
  flush(options?: FlushOptions): Promise<DeliveryReport>;
  /**
   * Optional: for a process 'exit' handler, where the event loop will not turn again. Delivers what is
   * pending synchronously (blocking, under `timeoutMs`) and stops the driver.
   */
  flushSync?(options?: FlushOptions): DeliveryReport;
  /** Stops intake, drains under the deadline, releases resources. Idempotent. */
  shutdown(options?: FlushOptions): Promise<DeliveryReport>;
  /**
   * Optional: what became of the last `FinishStructureRunEvent` given to this driver, undefined if none was.
   * Without it, `runStructure` counts the output delivered only when the driver reports nothing failed,
   * dropped or pending.
   */
  outputDelivery?(): OutputDelivery | undefined;
  /**
   * Largest serialised event (UTF-8 bytes) this driver can send. The bus refuses a larger event at the
   * call site, before any listener sees it. Leave undefined for no limit.
   */
  readonly maxEventBytes?: number;
  /**
   * Optional: why `maxEventBytes` is what it is and the setting that raises it, one phrase for the error that
   * refuses a larger event (e.g. "the 1 MiB maximum batch size less 508 bytes for the envelope, set by …").
   */
  readonly maxEventBytesReason?: string;
}

export function emptyReport(): DeliveryReport {
  return { sent: 0, failed: 0, dropped: 0, pending: 0 };
}

export function addReports(reports: readonly DeliveryReport[]): DeliveryReport {
  const total = emptyReport();
  for (const r of reports) {
    total.sent += r.sent;
    total.failed += r.failed;
    total.dropped += r.dropped;
    total.pending += r.pending;
  }
  return total;
}
