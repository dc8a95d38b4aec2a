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

/**
 * `Retry-After` as milliseconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unparseable, so the caller falls back to backoff.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (raw === undefined || raw === "") return undefined;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  const at = Date.parse(raw);
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
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}
