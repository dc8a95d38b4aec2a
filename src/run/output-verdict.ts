import { ENV, tuningEnvName } from "../config.js";
import type { DeliveryReport, EventListenerDriver, OutputDelivery } from "../drivers/event-listener-driver.js";

const API_KEY = ENV.apiKey;
const RUN_ID = ENV.structureRunId;
const BASE_URL = ENV.baseUrl;
const SHUTDOWN_TIMEOUT = tuningEnvName("shutdownTimeoutMs");
const MAX_RETRIES = tuningEnvName("maxRetries");

/** Why the run's output (its FinishStructureRunEvent) did not reach its destination. */
export type UndeliveredReason =
  | "unauthorized"
  | "unreachable"
  | "deadline"
  | "retries_exhausted"
  | "rejected"
  | "too_large"
  | "invalid_request"
  | "shut_down"
  | "unknown";

export interface UndeliveredOutput {
  reason: UndeliveredReason;
  /** The setting to check first, e.g. `GT_CLOUD_API_KEY`; never its value. */
  variable?: string;
  /** The one sentence printed on stderr. */
  message: string;
}

export interface VerdictContext {
  /** The delivery deadline that applied, in ms. */
  deadlineMs: number;
  /** Where the output went, for the sentence: "the Events API at https://…" or "the run's driver". */
  destination: string;
}

/**
 * Whether the run's output was delivered, from the driver's own account of its Finish event when it keeps one
 * (`outputDelivery()`), else from its counts: then only "nothing failed, dropped or pending" counts as delivered,
 * since a failure must never be reported as success.
 */
export function outputVerdict(
  driver: EventListenerDriver,
  report: DeliveryReport | undefined,
  context: VerdictContext,
): UndeliveredOutput | undefined {
  const verdict = judge(driver, report, context);
  if (verdict === undefined || report === undefined) return verdict;
  const lost = report.failed + report.dropped + report.pending;
  const total = lost + report.sent;
  // The counts are the report's own, so the sentence and `result.report` can never disagree.
  return {
    ...verdict,
    message: `${verdict.message.slice(0, -1)} (${lost} of ${total} event(s) of the run not delivered).`,
  };
}

function judge(
  driver: EventListenerDriver,
  report: DeliveryReport | undefined,
  context: VerdictContext,
): UndeliveredOutput | undefined {
  let delivery: OutputDelivery | undefined;
  let known = false;
  try {
    if (typeof driver.outputDelivery === "function") {
      delivery = driver.outputDelivery();
      known = true;
    }
  } catch {
    // A driver that cannot say is judged by its counts.
  }
  const to = context.destination;
  if (known) {
    if (delivery === undefined) {
      return undelivered(to, "unknown", undefined, "no FinishStructureRunEvent reached the run's driver");
    }
    if (delivery.status === "acknowledged") return undefined;
    return explain(delivery, context);
  }
  if (report === undefined) return undelivered(to, "unknown", undefined, "the run's driver did not report");
  if (report.failed === 0 && report.dropped === 0 && report.pending === 0) return undefined;
  return undelivered(to, "unknown", undefined, "the run's driver reports events failed, dropped or pending");
}

function explain(
  delivery: Exclude<OutputDelivery, { status: "acknowledged" }>,
  context: VerdictContext,
): UndeliveredOutput {
  const to = context.destination;
  const deadline = `the ${context.deadlineMs} ms delivery deadline (${SHUTDOWN_TIMEOUT})`;
  if (delivery.status === "pending") {
    return undelivered(to, "deadline", SHUTDOWN_TIMEOUT, `it was still pending at ${deadline}`);
  }
  const last = delivery.lastAttempt;
  switch (delivery.reason) {
    case "unauthorized":
      // 403 comes with a key the API accepts, but not for this run: a wrong run id gives it as surely as a key
      // of another account does, so the run id is the first thing to check.
      if (delivery.httpStatus === 403) {
        return undelivered(
          to,
          "unauthorized",
          RUN_ID,
          `the API key may not post to this run (HTTP 403); check ${RUN_ID} and ${API_KEY}`,
        );
      }
      return undelivered(
        to,
        "unauthorized",
        API_KEY,
        `the API key was refused (HTTP ${delivery.httpStatus ?? 401}); check ${API_KEY}`,
      );
    case "rejected":
      return undelivered(
        to,
        "rejected",
        undefined,
        `it was rejected with HTTP ${delivery.httpStatus ?? "?"} (${excerpt(delivery.message)})`,
      );
    case "too_large":
      return undelivered(to, "too_large", undefined, `it is too large to send (${excerpt(delivery.message)})`);
    case "invalid_request":
      return undelivered(
        to,
        "invalid_request",
        BASE_URL,
        `the request could not be made (${excerpt(delivery.message)}); check ${BASE_URL} and ${API_KEY}`,
      );
    case "shut_down":
      return undelivered(to, "shut_down", undefined, "the run's driver had already been shut down");
    case "retries_exhausted":
    case "deadline": {
      if (last?.transport === "connect") {
        return undelivered(to, "unreachable", BASE_URL, `${excerpt(last.reason)}; check ${BASE_URL}`);
      }
      const lastPart = last === undefined ? "no answer" : `last: ${excerpt(last.reason)}`;
      if (delivery.reason === "retries_exhausted") {
        return undelivered(
          to,
          "retries_exhausted",
          MAX_RETRIES,
          `every retry failed (${lastPart}); try again later, or raise ${MAX_RETRIES}`,
        );
      }
      return undelivered(
        to,
        "deadline",
        SHUTDOWN_TIMEOUT,
        `it was not acknowledged within ${deadline} (${lastPart}); check ${BASE_URL}, or raise ${SHUTDOWN_TIMEOUT}`,
      );
    }
  }
}

function undelivered(
  destination: string,
  reason: UndeliveredReason,
  variable: string | undefined,
  why: string,
): UndeliveredOutput {
  return {
    reason,
    ...(variable === undefined ? {} : { variable }),
    message: `the run's output did not reach ${destination}: ${why}.`,
  };
}

function excerpt(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
