// Timestamps of the Events API (see docs/wire-format.md and test/fixtures/system-events.json): `created_at` is ISO 8601 in UTC with
// microseconds and `Z`; `timestamp` is float epoch seconds; a SYSTEM payload's `started_at` / `completed_at` is
// "YYYY-MM-DDTHH:MM:SS", UTC, without a zone (as Griptape Cloud writes them).

/**
 * Epoch microseconds that never repeat nor go back within one clock: `created_at` then orders events
 * exactly as they were stored, even several within one millisecond (Date has milliseconds only).
 */
export class MicrosecondClock {
  #last = 0;

  now(): number {
    const micros = Math.max(Date.now() * 1000, this.#last + 1);
    this.#last = micros;
    return micros;
  }
}

/** `2024-09-11T23:15:42.834783Z` from epoch microseconds. */
export function formatIsoMicros(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const iso = new Date(millis).toISOString(); // "…T23:15:42.834Z"
  const extra = String(micros - millis * 1000).padStart(3, "0");
  return `${iso.slice(0, -1)}${extra}Z`;
}

/** `2024-09-11T23:15:47` (UTC, no zone): the form of `started_at` / `completed_at` in SYSTEM payloads. */
export function formatSystemTime(date: Date = new Date()): string {
  return date.toISOString().slice(0, 19);
}
