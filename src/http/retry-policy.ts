/** What a batch's HTTP outcome means for delivery (DESIGN §3). */
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
