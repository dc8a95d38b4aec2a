import { describeThrown } from "../describe-value.js";
import {
  addReports,
  type DeliveryReport,
  type EventListenerDriver,
  emptyReport,
  type FlushOptions,
} from "../drivers/event-listener-driver.js";
import { InvalidEventError, ListenerError } from "../errors.js";
import type { EventInput, EventType } from "../events/event-schemas.js";
import { serializeEvent } from "../events/serialize-event.js";
import type { SerializedEvent } from "../events/serialized-event.js";
import { getDefaultLogger, type Logger } from "../logger.js";
import type { EventListener } from "./event-listener.js";
import { ListenerErrorLog } from "./listener-error-log.js";

export interface EventBusOptions {
  /**
   * Receives what listeners get wrong (a throwing or malformed `onEvent`), every time. Default: each listener's first
   * failure logged as an error, its later ones counted and summarised (see `ListenerErrorLog`).
   */
  onListenerError?: (error: ListenerError) => void;
  /** pino logger. Default: warnings and errors to stderr. */
  logger?: Logger;
}

/** Returned by `addEventListener`; `using registration = bus.addEventListener(l)` scopes a listener to a block. */
export interface EventListenerRegistration extends Disposable {
  readonly listener: EventListener;
  remove(): void;
}

/**
 * Synchronous fan-out from structure code to listeners. `publishEvent` completes the event, checks it,
 * serialises it once and hands the same immutable snapshot to every matching listener's driver.
 */
export class EventBus {
  // Replaced, never mutated, so a listener added or removed while an event is dispatched
  // changes the next dispatch, not the current one.
  #listeners: readonly EventListener[] = [];
  readonly #onListenerError: ((error: ListenerError) => void) | undefined;
  readonly #logger: Logger | undefined;
  readonly #errorLog = new ListenerErrorLog(() => this.#logger ?? lentLoggers.get(this) ?? getDefaultLogger());

  constructor(options: EventBusOptions = {}) {
    this.#onListenerError = options.onListenerError;
    this.#logger = options.logger;
  }

  get eventListeners(): readonly EventListener[] {
    return this.#listeners;
  }

  addEventListener(listener: EventListener): EventListenerRegistration {
    if (!this.#listeners.includes(listener)) this.#listeners = [...this.#listeners, listener];
    const remove = (): void => {
      this.removeEventListener(listener);
    };
    return { listener, remove, [Symbol.dispose]: remove };
  }

  removeEventListener(listener: EventListener): boolean {
    const next = this.#listeners.filter((l) => l !== listener);
    const removed = next.length !== this.#listeners.length;
    this.#listeners = next;
    return removed;
  }

  clearEventListeners(): void {
    this.#listeners = [];
  }

  /**
   * Publishes an event and returns it as serialised. Throws `InvalidEventError` at once for bad input
   * (see docs/delivery.md); never throws for anything a listener or driver does. A known `type` is typed by its
   * schema (its fields checked by the compiler, its name offered by an editor); any other is a custom event.
   */
  publishEvent<T extends EventType>(input: EventInput<T> & { type: T }): SerializedEvent {
    const snapshot = serializeEvent(input);
    const listeners = this.#listeners;
    checkSize(snapshot, listeners);
    for (const listener of listeners) {
      if (listener.accepts(snapshot.type)) this.#dispatch(listener, snapshot);
    }
    return snapshot;
  }

  /**
   * Flushes every listener's driver, whatever its type filter: a filtered-out final event must not
   * leave a batch unsent. Resolves with summed counts; never rejects.
   */
  async flush(options?: FlushOptions): Promise<DeliveryReport> {
    this.#errorLog.summarize();
    return addReports(await Promise.all(this.#drivers().map((d) => settle(() => d.flush(options)))));
  }

  /**
   * For a process 'exit' handler, where the event loop will not turn again: every driver that can deliver
   * synchronously does so now (blocking, under `timeoutMs`) and stops. Never throws.
   */
  flushSync(options?: FlushOptions): DeliveryReport {
    this.#errorLog.summarize();
    const reports: DeliveryReport[] = [];
    for (const driver of this.#drivers()) {
      try {
        if (driver.flushSync !== undefined) reports.push(driver.flushSync(options));
      } catch {
        // An exit handler that throws would replace the exit code; a driver's failure must not.
      }
    }
    return addReports(reports);
  }

  /** Shuts every driver down under one deadline. Listeners stay registered; drivers refuse new events. */
  async shutdown(options?: FlushOptions): Promise<DeliveryReport> {
    this.#errorLog.summarize();
    return addReports(await Promise.all(this.#drivers().map((d) => settle(() => d.shutdown(options)))));
  }

  #drivers(): EventListenerDriver[] {
    const drivers = new Set<EventListenerDriver>();
    for (const listener of this.#listeners) if (listener.driver !== undefined) drivers.add(listener.driver);
    return [...drivers];
  }

  #dispatch(listener: EventListener, snapshot: SerializedEvent): void {
    let out: SerializedEvent | undefined = snapshot;
    if (listener.onEvent !== undefined) {
      out = this.#transform(listener, snapshot);
      if (out === undefined) return;
    }
    try {
      listener.driver?.publishEvent(out);
    } catch (error) {
      // The driver contract says publishEvent never throws; one that does must not break the publisher.
      this.#report(
        listener,
        new ListenerError(`driver failed to accept ${out.type}`, out.type, out.id, { cause: error }),
      );
    }
  }

  #transform(listener: EventListener, snapshot: SerializedEvent): SerializedEvent | undefined {
    let result: unknown;
    try {
      result = listener.onEvent?.(snapshot.toEvent());
    } catch (error) {
      this.#report(
        listener,
        new ListenerError(
          `onEvent threw for ${snapshot.type}: ${describeThrown(error).message}`,
          snapshot.type,
          snapshot.id,
          { cause: error },
        ),
      );
      return undefined;
    }
    if (result === undefined || result === null) return undefined;
    try {
      const out = serializeEvent(result);
      checkSize(out, [listener]);
      return out;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#report(
        listener,
        new ListenerError(
          `onEvent returned an invalid event for ${snapshot.type}: ${message}`,
          snapshot.type,
          snapshot.id,
          {
            cause: error,
          },
        ),
      );
      return undefined;
    }
  }

  #report(listener: EventListener, error: ListenerError): void {
    if (this.#onListenerError === undefined) {
      this.#errorLog.report(listener, error);
      return;
    }
    try {
      this.#onListenerError(error);
    } catch {
      // An error handler that throws has nowhere left to report to; the publisher must not see it.
    }
  }
}

/** Refuses an event larger than what a matching driver can send, before any listener has seen it. */
function checkSize(snapshot: SerializedEvent, listeners: readonly EventListener[]): void {
  for (const listener of listeners) {
    const limit = listener.driver?.maxEventBytes;
    // UTF-8 needs at most 3 bytes per UTF-16 unit, so short events skip the exact measurement.
    if (limit === undefined || snapshot.json.length * 3 <= limit || !listener.accepts(snapshot.type)) continue;
    if (snapshot.bytes > limit) {
      throw new InvalidEventError(
        "too_large",
        `${snapshot.type} is ${snapshot.bytes} bytes serialised, over the ${limit}-byte limit on one event${reasonOf(listener)}; split it or raise the limit`,
      );
    }
  }
}

/** The driver's account of its limit, in parentheses, when it gives one (a string, read without trusting it). */
function reasonOf(listener: EventListener): string {
  try {
    const reason = listener.driver?.maxEventBytesReason;
    return typeof reason === "string" && reason !== "" ? ` (${reason})` : "";
  } catch {
    return "";
  }
}

async function settle(report: () => Promise<DeliveryReport>): Promise<DeliveryReport> {
  try {
    return await report();
  } catch {
    // A third-party driver that throws or rejects still must not make flush reject.
    return emptyReport();
  }
}

/**
 * Loggers lent to buses that have none of their own, for as long as a run uses them (see `lendLogger`). Kept beside
 * the class rather than in it so that lending is no part of `EventBus`'s public surface.
 */
const lentLoggers = new WeakMap<EventBus, Logger>();

/**
 * Makes a bus without a logger of its own report through `logger` until the returned function is called:
 * `runStructure` lends its logger to the bus it runs on (by default the shared `eventBus`), so that what its
 * listeners get wrong goes where the run's other lines go.
 */
export function lendLogger(bus: EventBus, logger: Logger): () => void {
  const before = lentLoggers.get(bus);
  lentLoggers.set(bus, logger);
  return () => {
    if (before === undefined) lentLoggers.delete(bus);
    else lentLoggers.set(bus, before);
  };
}

/**
 * The process-wide bus, as the Python framework's `EventBus` singleton is: `runStructure` runs on it unless given a
 * bus, so `eventBus.publishEvent(...)` anywhere in a structure reaches the run's driver. Tests should make their own.
 */
export const eventBus = new EventBus();
