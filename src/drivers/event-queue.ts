import type { SerializedEvent } from "../events/serialized-event.js";
import { Batch } from "./batch.js";

export interface EventQueueLimits {
  /** Events per batch. */
  maxBatchEvents: number;
  /** Cost per batch (see the driver's size estimate), brackets excluded. */
  maxBatchCost: number;
  /** Builds one event's envelope text when its batch is cut. */
  envelope: (event: SerializedEvent) => string;
}

/**
 * FIFO of events awaiting delivery, with running totals of count and cost. Events collect in an open tail;
 * once it holds a full batch it is cut into a `Batch` (one string), so a deep backlog is a few large strings.
 * Every event that enters gets the next sequence number; the head's number is `enqueued - length`.
 */
export class EventQueue {
  readonly #limits: EventQueueLimits;
  #open: SerializedEvent[] = [];
  #openCost = 0;
  #batches: Batch[] = [];
  #head = 0;
  #length = 0;
  #cost = 0;
  #enqueued = 0;

  constructor(limits: EventQueueLimits) {
    this.#limits = limits;
  }

  /** Events queued, in batches and in the open tail. */
  get length(): number {
    return this.#length;
  }

  /** Their summed cost. */
  get bytes(): number {
    return this.#cost;
  }

  /** How many events ever entered; the next one gets this sequence number. */
  get enqueued(): number {
    return this.#enqueued;
  }

  /** Sequence number of the oldest queued event (equals `enqueued` when empty). */
  get headSeq(): number {
    return this.#enqueued - this.#length;
  }

  /** Whether a whole batch is waiting (a linger need not wait any longer). */
  get hasFullBatch(): boolean {
    return this.#head < this.#batches.length;
  }

  push(event: SerializedEvent, cost: number): void {
    if (this.#open.length > 0 && this.#openCost + cost > this.#limits.maxBatchCost) this.#cut();
    this.#open.push(event);
    this.#openCost += cost;
    this.#length++;
    this.#cost += cost;
    this.#enqueued++;
    if (this.#open.length >= this.#limits.maxBatchEvents) this.#cut();
  }

  /** The oldest batch, or what the open tail holds as one; undefined when empty. */
  take(): Batch | undefined {
    if (this.#head === this.#batches.length) {
      if (this.#open.length === 0) return undefined;
      this.#cut();
    }
    const batch = this.#batches[this.#head]!;
    this.#batches[this.#head] = undefined as unknown as Batch;
    this.#head++;
    if (this.#head === this.#batches.length) {
      this.#batches = [];
      this.#head = 0;
    }
    this.#length -= batch.count;
    this.#cost -= batch.cost;
    return batch;
  }

  /** Empties the queue and returns its batches, in order. */
  drain(): Batch[] {
    const out: Batch[] = [];
    for (let batch = this.take(); batch !== undefined; batch = this.take()) out.push(batch);
    return out;
  }

  #cut(): void {
    const firstSeq = this.#enqueued - this.#open.length;
    this.#batches.push(Batch.of(firstSeq, this.#open.map(this.#limits.envelope), this.#openCost));
    this.#open = [];
    this.#openCost = 0;
  }
}
