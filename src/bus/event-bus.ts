import { DRIVER_GRACE_MS, timeoutOf } from "../delays.js";
import { describeThrown } from "../describe-value.js";
import {
  addReports,
  type DeliveryReport,
  type EventListenerDriver,
  emptyReport,
  type FlushOptions,
} from "../drivers/event-listener-driver.js";
import { type DriverAnswer, settleReport, settleReportSync } from "../drivers/settle-report.js";
import { InvalidEventError, ListenerError, StructureRunEventsError } from "../errors.js";
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
  /** The same listeners with what this bus handed each one's driver, replaced together with `#listeners`. */
  #held: readonly HeldListener[] = [];
  readonly #onListenerError: ((error: ListenerError) => void) | undefined;
  readonly #logger: Logger | undefined;
  readonly #errorLog = new ListenerErrorLog(() => this.#loggerNow());
  /** What was already said about each driver's answers, so that a driver wrong on every flush costs one line. */
  readonly #said = new WeakMap<EventListenerDriver, Set<string>>();

  /** How deep the current publishEvent is nested inside listeners (see MAX_PUBLISH_DEPTH). */
  #depth = 0;

  constructor(options: EventBusOptions = {}) {
    this.#onListenerError = options.onListenerError;
    this.#logger = options.logger;
  }

  get eventListeners(): readonly EventListener[] {
    return this.#listeners;
  }

  addEventListener(listener: EventListener): EventListenerRegistration {
    if (!this.#listeners.includes(listener)) {
      this.#listeners = [...this.#listeners, listener];
      this.#held = [...this.#held, { listener, handed: 0 }];
    }
    const remove = (): void => {
      this.removeEventListener(listener);
    };
    return { listener, remove, [Symbol.dispose]: remove };
  }

  removeEventListener(listener: EventListener): boolean {
    const next = this.#listeners.filter((l) => l !== listener);
    const removed = next.length !== this.#listeners.length;
    this.#listeners = next;
    this.#held = this.#held.filter((r) => r.listener !== listener);
    return removed;
  }

  clearEventListeners(): void {
    this.#listeners = [];
    this.#held = [];
  }

  /**
   * Publishes an event and returns it as serialised. Throws `InvalidEventError` at once for bad input
   * (see docs/delivery.md); never throws for anything a listener or driver does. A known `type` is typed by its
   * schema (its fields checked by the compiler, its name offered by an editor); any other is a custom event.
   */
  publishEvent<T extends EventType>(input: EventInput<T> & { type: T }): SerializedEvent {
    if (this.#depth >= MAX_PUBLISH_DEPTH) throw publishLoopError();
    const snapshot = serializeEvent(input);
    const held = this.#held;
    checkSize(snapshot, this.#listeners);
    this.#depth++;
    try {
      for (const entry of held) {
        if (entry.listener.accepts(snapshot.type)) this.#dispatch(entry, snapshot);
      }
    } finally {
      this.#depth--;
    }
    return snapshot;
  }

  /**
   * Flushes every listener's driver, whatever its type filter: a filtered-out final event must not
   * leave a batch unsent. Resolves with summed counts; never rejects. A driver that answers with something other
   * than a report (or throws) counts as an empty report; with `timeoutMs`, one that has not answered
   * `DRIVER_GRACE_MS` after it counts every event this bus handed it as pending. Either is logged once per driver.
   */
  async flush(options?: FlushOptions): Promise<DeliveryReport> {
    this.#errorLog.summarize();
    return this.#settleAll("flush", options, (d) => d.flush(options));
  }

  /**
   * For a process 'exit' handler, where the event loop will not turn again: every driver that can deliver
   * synchronously does so now (blocking, under `timeoutMs`) and stops. Never throws: an exit handler that throws
   * would replace the exit code, and a driver's failure must not.
   */
  flushSync(options?: FlushOptions): DeliveryReport {
    this.#errorLog.summarize();
    const reports: DeliveryReport[] = [];
    for (const driver of this.#drivers()) {
      let flushSync: unknown;
      try {
        flushSync = driver.flushSync;
      } catch {
        // A driver whose very methods cannot be read has nothing to deliver synchronously.
      }
      if (typeof flushSync !== "function") continue;
      const answer = settleReportSync(() => flushSync.call(driver, options));
      reports.push(this.#reportOf(driver, "flushSync", answer, undefined));
    }
    return addReports(reports);
  }

  /**
   * Shuts every driver down under one deadline (`timeoutMs`, else each driver's own). Listeners stay registered;
   * drivers refuse new events. What a driver answers is read as by `flush`.
   */
  async shutdown(options?: FlushOptions): Promise<DeliveryReport> {
    this.#errorLog.summarize();
    return this.#settleAll("shutdown", options, (d) => d.shutdown(options));
  }

  async #settleAll(
    method: "flush" | "shutdown",
    options: FlushOptions | undefined,
    call: (driver: EventListenerDriver) => unknown,
  ): Promise<DeliveryReport> {
    const timeoutMs = timeoutOf(options);
    const deadlineMs = timeoutMs === undefined ? undefined : timeoutMs + DRIVER_GRACE_MS;
    const reports = await Promise.all(
      this.#drivers().map(async (driver) =>
        this.#reportOf(driver, method, await settleReport(() => call(driver), deadlineMs), deadlineMs),
      ),
    );
    return addReports(reports);
  }

  /** A driver's answer as a report, saying once per driver and kind what was wrong with it. */
  #reportOf(
    driver: EventListenerDriver,
    method: string,
    answer: DriverAnswer,
    deadlineMs: number | undefined,
  ): DeliveryReport {
    if (answer.kind === "report") return answer.report;
    const said = this.#said.get(driver) ?? new Set<string>();
    this.#said.set(driver, said);
    const first = !said.has(answer.kind);
    said.add(answer.kind);
    if (answer.kind === "timed_out") {
      let pending = 0;
      for (const r of this.#held) if (r.listener.driver === driver) pending += r.handed;
      if (first) {
        this.#log(
          "error",
          `an EventListenerDriver's ${method} did not settle within ${deadlineMs} ms: the ${pending} event(s) handed to it count as pending (not confirmed delivered)`,
        );
      }
      return { ...emptyReport(), pending };
    }
    if (first) {
      const how =
        answer.kind === "threw"
          ? `threw or rejected (${answer.what})`
          : `returned ${answer.what}, not a DeliveryReport`;
      this.#log("warn", `an EventListenerDriver's ${method} ${how}: counted as an empty report`);
    }
    return emptyReport();
  }

  #log(level: "warn" | "error", message: string): void {
    try {
      this.#loggerNow()[level](message);
    } catch {
      // A logger that throws has nowhere left to report to; flush must still resolve.
    }
  }

  #loggerNow(): Logger {
    return this.#logger ?? lentLoggers.get(this) ?? getDefaultLogger();
  }

  #drivers(): EventListenerDriver[] {
    const drivers = new Set<EventListenerDriver>();
    for (const listener of this.#listeners) if (listener.driver !== undefined) drivers.add(listener.driver);
    return [...drivers];
  }

  #dispatch(held: HeldListener, snapshot: SerializedEvent): void {
    const { listener } = held;
    let out: SerializedEvent | undefined = snapshot;
    if (listener.onEvent !== undefined) {
      out = this.#transform(listener, snapshot);
      if (out === undefined) return;
    }
    const driver = listener.driver;
    if (driver === undefined) return;
    try {
      driver.publishEvent(out);
      // A counter on the held listener rather than a WeakMap keyed by driver: this runs for every event, and an
      // increment costs nothing beside a WeakMap's get and set.
      held.handed++;
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

/**
 * Loggers lent to buses that have none of their own, for as long as a run uses them (see `lendLogger`). Kept beside
 * the class rather than in it so that lending is no part of `EventBus`'s public surface.
 */
const lentLoggers = new WeakMap<EventBus, Logger>();

/** A listener as the bus holds it: with the events it handed the listener's driver, what a driver that does not
 * answer in time has left unconfirmed. */
interface HeldListener {
  readonly listener: EventListener;
  handed: number;
}

/**
 * How deep `publishEvent` may nest inside listeners' `onEvent` (a listener publishing what it derives from an event).
 * Deeper is a loop: a listener that publishes for every event it gets, its own included, would recurse until the
 * stack overflows, and then even the log line saying so fails (a trial saw 1,562 events and only "failed 66 more
 * time(s)"). At this depth the stack has room for the listener's failure to be logged in full, once.
 */
const MAX_PUBLISH_DEPTH = 32;

function publishLoopError(): StructureRunEventsError {
  return new StructureRunEventsError(
    "ERR_PUBLISH_LOOP",
    `publishEvent was called ${MAX_PUBLISH_DEPTH} levels deep inside listeners' onEvent: a listener that publishes ` +
      "for each event it gets, its own included, loops. Give it eventTypes that leave out what it publishes",
  );
}

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
