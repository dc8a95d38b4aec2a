/**
 * Consecutive queued events as one request body, `[envelope,envelope,…]`, built once when the batch is cut.
 * Holding a backlog as a few large strings instead of many small objects is what keeps a long outage or a
 * publishing burst cheap for the garbage collector. `starts` lets a batch be split (413, oversize) without
 * the events it came from.
 */
export class Batch {
  constructor(
    /** Sequence number of the first event. */
    readonly firstSeq: number,
    readonly body: string,
    /** Index in `body` where each envelope starts. */
    readonly starts: readonly number[],
    /** What the events counted against the queue caps. */
    readonly cost: number,
  ) {}

  static of(firstSeq: number, envelopes: readonly string[], cost: number): Batch {
    const starts: number[] = [];
    let at = 1;
    for (const envelope of envelopes) {
      starts.push(at);
      at += envelope.length + 1;
    }
    return new Batch(firstSeq, `[${envelopes.join(",")}]`, starts, cost);
  }

  get count(): number {
    return this.starts.length;
  }

  /** Envelope `i`'s JSON text. */
  envelope(i: number): string {
    const end = i + 1 < this.starts.length ? this.starts[i + 1]! - 1 : this.body.length - 1;
    return this.body.slice(this.starts[i], end);
  }

  /** Envelopes [from, to) as a batch of their own; cost is shared out evenly. */
  slice(from: number, to: number): Batch {
    const envelopes: string[] = [];
    for (let i = from; i < to; i++) envelopes.push(this.envelope(i));
    return Batch.of(this.firstSeq + from, envelopes, Math.round((this.cost * (to - from)) / this.count));
  }
}
