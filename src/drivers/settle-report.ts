import { describeThrown, quoteValue } from "../describe-value.js";
import type { DeliveryReport } from "./event-listener-driver.js";

/**
 * What a driver's `flush`, `shutdown` or `flushSync` came to. The `EventListenerDriver` contract is public, so a
 * third-party driver may return anything, throw, reject, or never settle: callers that promise never to reject
 * (the bus, runStructure) read its answer only through here.
 */
export type DriverAnswer =
  | { readonly kind: "report"; readonly report: DeliveryReport }
  /** Returned (or resolved with) something that is not a report; `what` describes it, for a log line. */
  | { readonly kind: "not_a_report"; readonly what: string }
  /** Threw or rejected; `what` is the thrown value's message. */
  | { readonly kind: "threw"; readonly what: string }
  /** Did not settle before the deadline given to `settleReport`. */
  | { readonly kind: "timed_out" };

/**
 * A copy of `value` if it is a report: four finite, non-negative counts. Each field is read once, so that a getter
 * that answers differently on each read (or a Proxy) cannot pass the check and then break the sum. Never throws.
 */
export function readReport(value: unknown): DeliveryReport | undefined {
  try {
    if (typeof value !== "object" || value === null) return undefined;
    const r = value as Record<string, unknown>;
    const report = { sent: r.sent, failed: r.failed, dropped: r.dropped, pending: r.pending };
    const counts = Object.values(report);
    return counts.every((n) => typeof n === "number" && Number.isFinite(n) && n >= 0)
      ? (report as DeliveryReport)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Calls a driver's `flush` or `shutdown` and settles what it gives. With `deadlineMs`, gives up waiting after that
 * long (an unref'd timer: a driver that never settles must neither hold the caller nor keep the process alive).
 * Never rejects; what the call rejects with later is handled.
 */
export async function settleReport(call: () => unknown, deadlineMs?: number): Promise<DriverAnswer> {
  const answer = (async (): Promise<DriverAnswer> => {
    try {
      return answerOf(await call());
    } catch (error) {
      return { kind: "threw", what: describeThrown(error).message };
    }
  })();
  if (deadlineMs === undefined) return answer;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<DriverAnswer>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "timed_out" }), deadlineMs);
    timer.unref();
  });
  try {
    return await Promise.race([answer, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** `settleReport` for `flushSync`: a promise returned there is not a report, and its rejection is handled. */
export function settleReportSync(call: () => unknown): DriverAnswer {
  let value: unknown;
  try {
    value = call();
  } catch (error) {
    return { kind: "threw", what: describeThrown(error).message };
  }
  const answer = answerOf(value);
  if (answer.kind !== "report") {
    try {
      // Reading `then` of a Proxy may throw; Promise.resolve turns that into a rejection, handled here too.
      Promise.resolve(value).catch(() => {});
    } catch {
      // Nothing left to handle.
    }
  }
  return answer;
}

function answerOf(value: unknown): DriverAnswer {
  const report = readReport(value);
  return report === undefined ? { kind: "not_a_report", what: quoteValue(value) } : { kind: "report", report };
}
