import type { EventDetail } from "../events/wire-schemas.js";

/**
 * Readers de-duplicate by `payload.id`: delivery is at least once, so a retried batch is stored (and streamed)
 * twice, each copy with its own server `event_id`. Remembers the last `capacity` ids, as a retry's copy arrives
 * within a few batches of the original; memory stays bounded however long the run.
 */
export class EventDeduplicator {
  readonly #capacity: number;
  readonly #seen = new Set<string>();
  readonly #order: string[] = [];
  #next = 0;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  /** True for a USER event whose `payload.id` was already seen; SYSTEM events and events without an id pass. */
  isDuplicate(event: EventDetail): boolean {
    if (event.origin !== "USER") return false;
    const id = (event.payload as Record<string, unknown>).id;
    if (typeof id !== "string" || id === "") return false;
    if (this.#seen.has(id)) return true;
    if (this.#order.length < this.#capacity) this.#order.push(id);
    else {
      this.#seen.delete(this.#order[this.#next] as string);
      this.#order[this.#next] = id;
      this.#next = (this.#next + 1) % this.#capacity;
    }
    this.#seen.add(id);
    return false;
  }
}
