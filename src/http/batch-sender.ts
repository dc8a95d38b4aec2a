/** The result of one POST of a batch, already classified by the retry policy. */
export type SendOutcome =
  | { kind: "ok"; status: number }
  | { kind: "retry"; reason: string; status?: number; retryAfterMs?: number }
  | { kind: "too_large"; status: number }
  | { kind: "rejected"; status: number; message: string };

/**
 * Transport under the batching driver: one attempt per call, no retries of its own, never throws
 * (network errors and timeouts come back as `retry` outcomes).
 */
export interface BatchSender {
  send(body: string, signal: AbortSignal): Promise<SendOutcome>;
  /**
   * Optional: POSTs `bodies` in order, blocking, for process-exit paths where the event loop will not turn
   * again. Returns how many (a prefix) were acknowledged within `timeoutMs`.
   */
  sendSync?(bodies: readonly string[], timeoutMs: number): number;
  /** Closes connections; `force` aborts what is in flight. */
  close(force: boolean): Promise<void>;
}
