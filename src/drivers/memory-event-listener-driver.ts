import type { CustomEvent, KnownEvent } from "../events/event-schemas.js";
import type { SerializedEvent } from "../events/serialized-event.js";
import type { DeliveryReport, EventListenerDriver } from "./event-listener-driver.js";

/**
 * The events a `MemoryEventListenerDriver<C>` returns: the known events, and custom events of the types named in
 * `C`. Discriminated on `type`, so `if (e.type === "TextChunkEvent") e.token` is a string.
 */
export type RecordedEvent<C extends string = never> = [C] extends [never] ? KnownEvent : KnownEvent | CustomEvent<C>;

/**
 * Records every event it is given, as serialised at publish. Meant for testing your own structures:
 * publish through a bus with this driver, then assert on `events`.
 *
 * `C` names the custom event types your structure publishes (`new MemoryEventListenerDriver<"ToolCalled">()`).
 * TypeScript cannot narrow a union on `type` when one member's `type` is any string, so `events` is typed as
 * the known events plus those: a custom event of a type not named is still recorded, outside the type.
 */
export class MemoryEventListenerDriver<C extends string = never> implements EventListenerDriver {
  readonly #records: SerializedEvent[] = [];
  #closed = false;
  #dropped = 0;

  publishEvent(event: SerializedEvent): void {
    if (this.#closed) {
      this.#dropped++;
      return;
    }
    this.#records.push(event);
  }

  /** Fresh copies of the recorded events, in publish order. */
  get events(): RecordedEvent<C>[] {
    return this.#records.map((record) => record.toEvent() as RecordedEvent<C>);
  }

  /** The recorded events exactly as serialised at publish. */
  get records(): readonly SerializedEvent[] {
    return this.#records;
  }

  clear(): void {
    this.#records.length = 0;
  }

  async flush(): Promise<DeliveryReport> {
    return this.#report();
  }

  async shutdown(): Promise<DeliveryReport> {
    this.#closed = true;
    return this.#report();
  }

  #report(): DeliveryReport {
    return { sent: this.#records.length, failed: 0, dropped: this.#dropped, pending: 0 };
  }
}
