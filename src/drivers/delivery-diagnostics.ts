import diagnosticsChannel from "node:diagnostics_channel";
import type { FailureReason } from "./event-listener-driver.js";

/**
 * Typed diagnostics of the batching driver on `node:diagnostics_channel`: subscribe with
 * `diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.request, fn)`. Publishing costs nothing
 * when nobody subscribes. Messages never hold the API key.
 */
export const DIAGNOSTICS_CHANNELS = {
  /** A POST finished: `RequestDiagnostic`. */
  request: "structure-run-events:request",
  /** A batch will be tried again: `RetryDiagnostic`. */
  retry: "structure-run-events:retry",
  /** Events refused at intake (queue full, shut down): `DropDiagnostic`. */
  drop: "structure-run-events:drop",
  /** Events given up on (rejected, retries exhausted, deadline): `FailureDiagnostic`. */
  failure: "structure-run-events:failure",
} as const;

export interface RequestDiagnostic {
  events: number;
  bytes: number;
  /** HTTP status, or undefined for a network error or timeout. */
  status: number | undefined;
  outcome: "ok" | "retry" | "too_large" | "rejected" | "invalid_request";
  durationMs: number;
}
export interface RetryDiagnostic {
  events: number;
  attempt: number;
  delayMs: number;
  reason: string;
}
export interface DropDiagnostic {
  events: number;
  reason: "queue_full" | "shut_down" | "too_large";
}
export interface FailureDiagnostic {
  events: number;
  reason: FailureReason;
  status?: number;
  message: string;
}

export const requestChannel = diagnosticsChannel.channel(DIAGNOSTICS_CHANNELS.request);
export const retryChannel = diagnosticsChannel.channel(DIAGNOSTICS_CHANNELS.retry);
export const dropChannel = diagnosticsChannel.channel(DIAGNOSTICS_CHANNELS.drop);
export const failureChannel = diagnosticsChannel.channel(DIAGNOSTICS_CHANNELS.failure);
