import type { SerializedEvent } from "../events/serialized-event.js";

/**
 * FIFO of serialised events with running totals of count and bytes. Every event that enters gets the next
 * sequence number; the head's number is `enqueued - length`, so batches know which events they hold
 * without a per-event wrapper object on the hot path.
 */
export class EventQueue {
  #items: SerializedEvent[] = [];
  #head = 0;
  #bytes = 0;
  #enqueued = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Bytes of the queued events' envelopes. */
  get bytes(): number {
    return this.#bytes;
  }

  /** How many events ever entered; the next one gets this sequence number. */
  get enqueued(): number {
    return this.#enqueued;
  }

  /** Sequence number of the oldest queued event (equals `enqueued` when empty). */
  get headSeq(): number {
    return this.#enqueued - this.length;
  }

  push(event: SerializedEvent, bytes: number): void {
    this.#items.push(event);
    this.#bytes += bytes;
    this.#enqueued++;
  }

  /**
   * Takes events from the head while the batch stays within both caps; always at least one event, which the
   * driver guaranteed fits a batch. `sizeOf` must return what `push` was given for that event.
   */
  take(maxEvents: number, maxBytes: number, sizeOf: (event: SerializedEvent) => number): SerializedEvent[] {
    const batch: SerializedEvent[] = [];
    let bytes = 0;
    while (batch.length < maxEvents && this.#head < this.#items.length) {
      const event = this.#items[this.#head]!;
      const size = sizeOf(event);
      if (batch.length > 0 && bytes + size > maxBytes) break;
      batch.push(event);
      bytes += size;
      this.#head++;
    }
    this.#bytes -= bytes;
    this.#compact();
    return batch;
  }

  /** Empties the queue and returns what it held (used when giving up at a deadline). */
  drain(): SerializedEvent[] {
    const rest = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    return rest;
  }

  // Shifting an array is O(n); advancing a head index and compacting now and then keeps take() O(batch).
  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
