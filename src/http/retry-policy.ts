/** What a batch's HTTP outcome means for delivery (see docs/delivery.md). */
export type StatusClass = "ok" | "retry" | "too_large" | "rejected";

/**
 * 2xx delivered; 408, 429 and 5xx other than 501/505 are worth another try (the server may recover);
 * 413 means split the batch; any other status will not change by retrying the same body.
 */
export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return "ok";
  if (status === 413) return "too_large";
  if (status === 408 || status === 429) return "retry";
  if (status >= 500 && status < 600 && status !== 501 && status !== 505) return "retry";
  return "rejected";
}

/**
 * What a request that got no HTTP answer (it threw) means for delivery:
 * - `connect`: the host could not be reached (DNS, refused, unreachable, TLS): retried, and worth telling the user
 *   at once, since it usually means a wrong `GT_CLOUD_BASE_URL`;
 * - `network`: the connection broke or timed out: retried;
 * - `invalid_request`: the request itself was refused before it left (Node's `ERR_INVALID_CHAR` for a header value
 *   it cannot send and its other `ERR_INVALID_*`, undici's `UND_ERR_INVALID_ARG`, an argument TypeError): the same
 *   request would fail the same way, so it is never retried.
 */
export type ErrorClass = "connect" | "network" | "invalid_request";

const CONNECT_CODES = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "EAI_NONAME",
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);
const INVALID_REQUEST_CODES = new Set(["UND_ERR_INVALID_ARG", "UND_ERR_NOT_SUPPORTED", "UND_ERR_INVALID_RETURN_VALUE"]);

/** Classifies a thrown transport error by its `code` (see `ErrorClass`). Never throws, whatever the value. */
export function classifyError(error: unknown): ErrorClass {
  const code = errorCode(error);
  if (code !== undefined) {
    if (CONNECT_CODES.has(code)) return "connect";
    if (INVALID_REQUEST_CODES.has(code) || code.startsWith("ERR_INVALID_")) return "invalid_request";
    return "network";
  }
  // No code: a TypeError or RangeError is an argument the transport refused, not a network fault.
  try {
    if (error instanceof TypeError || error instanceof RangeError) return "invalid_request";
  } catch {
    // A Proxy whose getPrototypeOf trap throws: nothing to learn from it.
  }
  return "network";
}

/**
 * A transport error in words, its code said once: Node's messages often repeat the code already
 * ("connect ECONNREFUSED 127.0.0.1:9"), and "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9" says it twice. A
 * connection that could not be made is said by its code alone when the message only restates it (the caller names
 * the host); any other message is kept, after the code unless it holds it.
 */
export function describeTransportError(code: string | undefined, message: string, errorClass: ErrorClass): string {
  if (code === undefined || code === "") return message || "network error";
  if (message === "") return code;
  if (!message.includes(code)) return `${code}: ${message}`;
  return errorClass === "connect" ? code : message;
}

/** The `code` of an error (or of its `cause`, where fetch and undici put the system error), if it is a string. */
export function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; depth < 3; depth++) {
    try {
      if (typeof current !== "object" || current === null) return undefined;
      const code = (current as { code?: unknown }).code;
      if (typeof code === "string" && code !== "") return code;
      current = (current as { cause?: unknown }).cause;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

// RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept.
const MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const TIME = "\\d{2}:\\d{2}:\\d{2}";
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`);
const RFC850_DATE = new RegExp(
  `^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`,
);
const ASCTIME_DATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} [ \\d]\\d ${TIME} \\d{4}$`);

/**
 * `Retry-After` as milliseconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unparseable, so the caller falls back to backoff.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (raw === undefined || raw === "") return undefined;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  // Date.parse alone is far too lenient: V8 reads "-1", "1.5" or "foo 2" as dates in 2001, which would turn a
  // garbage header into "retry now". Only the three HTTP-date forms are dates; asctime carries no zone but is UTC.
  let at: number;
  if (IMF_FIXDATE.test(raw) || RFC850_DATE.test(raw)) at = Date.parse(raw);
  else if (ASCTIME_DATE.test(raw)) at = Date.parse(`${raw} GMT`);
  else return undefined;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 * uniform in [0, min(max, initial * 2^(retry-1))]. Jitter spreads the retries of many producers
 * recovering from the same outage.
 */
export function backoffDelay(
  retry: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  // The exponent is bounded: past 2^1023 it is Infinity, and 0 * Infinity (retryInitialDelayMs 0) is NaN.
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(0, retry - 1), 52));
  return Math.floor(random() * ceiling);
}
