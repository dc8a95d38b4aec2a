/**
 * Why a request got no usable HTTP answer: `http` a retryable status, `connect` the host could not be reached,
 * `network` the connection broke, `timeout` no answer within the request timeout, `aborted` stopped by shutdown.
 */
export type TransportFailure = "http" | "connect" | "network" | "timeout" | "aborted";

/** The result of one POST of a batch, already classified by the retry policy. */
export type SendOutcome =
  | { kind: "ok"; status: number }
  | { kind: "retry"; reason: string; status?: number; retryAfterMs?: number; transport?: TransportFailure }
  | { kind: "too_large"; status: number }
  | { kind: "rejected"; status: number; message: string }
  /** The request could not be made at all (the transport refused an argument): retrying would fail the same way. */
  | { kind: "invalid_request"; reason: string };

/** What a synchronous delivery achieved. */
export interface SyncSendResult {
  /** How many bodies, a prefix of those given, were acknowledged. */
  acknowledged: number;
  /** Why the first body not acknowledged was not (e.g. `HTTP 401`, `ECONNREFUSED`, `deadline`). */
  failure?: string;
  /** Its HTTP status, when it got one. */
  status?: number;
  /** Its error code when it got no answer (`ECONNREFUSED`, `deadline`…). */
  code?: string;
}

/**
 * Transport under the batching driver: one attempt per call, no retries of its own, never throws
 * (network errors and timeouts come back as `retry` outcomes).
 */
export interface BatchSender {
  send(body: string, signal: AbortSignal): Promise<SendOutcome>;
  /**
   * Optional: POSTs `bodies` in order, blocking, for process-exit paths where the event loop will not turn
   * again, within `timeoutMs`.
   */
  sendSync?(bodies: readonly string[], timeoutMs: number): SyncSendResult;
  /** Closes connections; `force` aborts what is in flight. */
  close(force: boolean): Promise<void>;
}
