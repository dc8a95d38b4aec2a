import type { Event } from "./event-schemas.js";

/**
 * An event as it was at publish: serialised once, immutable. Drivers send `json` as is;
 * `toEvent()` gives a fresh copy for code that wants the object (tests, transforms, printers).
 */
export class SerializedEvent {
  /** UTF-8 size of `json`, computed on first use: most events never need it measured exactly. */
  #bytes = -1;

  constructor(
    readonly type: string,
    readonly id: string,
    readonly timestamp: number,
    readonly json: string,
  ) {}

  get bytes(): number {
    if (this.#bytes < 0) this.#bytes = Buffer.byteLength(this.json);
    return this.#bytes;
  }

  toEvent(): Event {
    return JSON.parse(this.json) as Event;
  }
}
