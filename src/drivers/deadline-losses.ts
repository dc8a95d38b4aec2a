import type { DeadlineStop } from "../http/retrying-sender.js";
import type { LastAttempt } from "./event-listener-driver.js";

/**
 * The events a shutdown lost to its deadline, by how the deadline ended their delivery, for the one line shutdown
 * logs about them. Each kind is said as what happened: a shutdown that gave up after the last attempt its deadline
 * left room for did not "reach" its deadline, and a line saying so would send the user looking for the wrong cause.
 */
export class DeadlineLosses {
  readonly #events: Record<DeadlineStop, number> = { cut_off: 0, last_attempt: 0, retry_after: 0 };
  /** The first last attempt heard of for each kind: what the destination said. */
  readonly #last: Partial<Record<DeadlineStop, LastAttempt>> = {};

  add(events: number, stop: DeadlineStop, last: LastAttempt | undefined): void {
    this.#events[stop] += events;
    if (last !== undefined) this.#last[stop] ??= last;
  }

  get total(): number {
    return this.#events.cut_off + this.#events.last_attempt + this.#events.retry_after;
  }

  /** One sentence for all of them, undefined when none was lost; its count is the one the report holds. */
  summary(deadlineMs: number): string | undefined {
    const total = this.total;
    if (total === 0) return undefined;
    const parts = (Object.keys(this.#events) as DeadlineStop[])
      .filter((stop) => this.#events[stop] > 0)
      .map((stop) => ({ events: this.#events[stop], text: describe(stop, this.#last[stop]) }));
    const why = parts.length === 1 ? parts[0]!.text : parts.map((p) => `${p.events} because ${p.text}`).join("; ");
    return `${total} event(s) not delivered within the shutdown deadline (${deadlineMs} ms): ${why}`;
  }
}

function describe(stop: DeadlineStop, last: LastAttempt | undefined): string {
  const lastPart = last === undefined ? "" : ` (last: ${last.reason})`;
  switch (stop) {
    case "last_attempt":
      return `the last attempt it left room for failed${lastPart}`;
    case "retry_after":
      return `the Events API asked to be retried only after it (Retry-After)${lastPart}`;
    case "cut_off":
      return `it was reached while they were queued, in flight or waiting to be retried${lastPart}`;
  }
}
