import type { Event } from "../events/event-schemas.js";
import type { SerializedEvent } from "../events/serialized-event.js";
import type { DeliveryReport, EventListenerDriver } from "./event-listener-driver.js";

/**
 * Records every event it is given, as serialised at publish. Meant for testing your own structures:
 * publish through a bus with this driver, then assert on `events`.
 */
export class MemoryEventListenerDriver implements EventListenerDriver {
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
  get events(): Event[] {
    return this.#records.map((record) => record.toEvent());
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
