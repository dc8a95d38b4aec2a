import type { EventListenerDriver } from "../drivers/event-listener-driver.js";
import type { Event, EventType } from "../events/event-schemas.js";

/**
 * Called with a private copy of each matching event. Return the event (changed or not) or a new one
 * to hand it to the driver; return nothing to drop it for this listener.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that only observes returns void, and drops the event.
export type EventHandler = (event: Event) => object | null | undefined | void;

export interface EventListenerOptions {
  /**
   * Only events whose `type` is in this list reach this listener. Default: every event. Known type names are
   * offered by an editor; any other string (a custom event's type) is accepted.
   */
  eventTypes?: readonly EventType[];
  /** Transform or drop; see `EventHandler`. Default: none (events go to the driver unchanged and uncopied). */
  onEvent?: EventHandler;
  /** Where events go. Default: none (useful with an `onEvent` that only observes). */
  driver?: EventListenerDriver;
}

/** Mirrors the Python framework's `EventListener(on_event, event_types, event_listener_driver)`. */
export class EventListener {
  readonly eventTypes: ReadonlySet<string> | undefined;
  readonly onEvent: EventHandler | undefined;
  readonly driver: EventListenerDriver | undefined;

  constructor(options: EventListenerOptions = {}) {
    this.eventTypes = options.eventTypes === undefined ? undefined : new Set(options.eventTypes);
    this.onEvent = options.onEvent;
    this.driver = options.driver;
  }

  accepts(type: string): boolean {
    return this.eventTypes === undefined || this.eventTypes.has(type);
  }
}
