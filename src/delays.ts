/**
 * The one home of delay bounds. Node's timers take at most 2^31-1 ms: a larger delay (or NaN) fires after 1 ms
 * with a TimeoutOverflowWarning, so an unbounded setting or computed wait turns a retry wait into a retry storm.
 * Every delay setting is validated against `MAX_DELAY_SETTING_MS`, and every computed wait passes `boundDelay`.
 */

/** setTimeout's largest delay (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Largest value any delay setting accepts (one day): larger is surely a mistake, and the margin below
 * `MAX_TIMER_MS` leaves room for the sums the library makes of settings (a deadline plus a grace period).
 */
export const MAX_DELAY_SETTING_MS = 24 * 60 * 60 * 1000;

/** A wait in [0, MAX_TIMER_MS] whatever it was computed from: NaN and negatives are 0, Infinity the maximum. */
export function boundDelay(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return ms >= MAX_TIMER_MS ? MAX_TIMER_MS : Math.ceil(ms);
}

/**
 * A caller's `timeoutMs` (e.g. `flush({timeoutMs})`, which never rejects, so cannot refuse it): a number is
 * bounded like any wait (negative: now); anything that is not a finite number (undefined, Infinity, NaN, a string)
 * is undefined, "not given", so the caller's default applies. Giving up at once on garbage would lose events.
 */
export function boundTimeout(timeoutMs: unknown): number | undefined {
  return typeof timeoutMs === "number" && Number.isFinite(timeoutMs) ? boundDelay(timeoutMs) : undefined;
}

/** `boundTimeout` of `options.timeoutMs`, read so that even a hostile options object cannot make it throw. */
export function timeoutOf(options: unknown): number | undefined {
  try {
    return typeof options === "object" && options !== null
      ? boundTimeout((options as { timeoutMs?: unknown }).timeoutMs)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How long past its own deadline a sender's request (or a shutdown's close) may run before the driver stops waiting
 * for it: the guarantee that nothing outlives a deadline must not rest on every transport honouring its abort signal.
 */
export const TRANSPORT_GRACE_MS = 100;

/**
 * How long past a `timeoutMs` the bus waits for a driver's `flush` or `shutdown` before it stops waiting and counts
 * the events it handed that driver as pending: a driver bounds itself by `timeoutMs` (the Cloud driver's shutdown
 * then takes at most two `TRANSPORT_GRACE_MS` more), so this only ever cuts off one that never settles. Less than
 * runStructure's exit margin, so that the bus has given up on such a driver before the run gives up on delivery.
 */
export const DRIVER_GRACE_MS = 500;
