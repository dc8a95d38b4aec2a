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
  /** Resolve after this long even if events are still pending; they stay queued. Default: no limit. */
  timeoutMs?: number;
}

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
   * Largest serialised event (UTF-8 bytes) this driver can send. The bus refuses a larger event at the
   * call site, before any listener sees it. Leave undefined for no limit.
   */
  readonly maxEventBytes?: number;
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
