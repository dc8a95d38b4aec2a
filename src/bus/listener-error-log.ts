import type { ListenerError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { EventListener } from "./event-listener.js";

/** Least time between two summary lines of one bus: a listener that fails on every event costs a line per this. */
export const LISTENER_ERROR_SUMMARY_MS = 10_000;

interface Failures {
  /** Numbers the listener in the lines, so that a summary names the listener its first line described. */
  readonly ordinal: number;
  /** Failures since the last line about this listener. */
  unreported: number;
  last: string;
}

/** Logs with failures not yet summarised; while there are any, one 'exit' listener summarises them (see below). */
const unsummarised = new Set<ListenerErrorLog>();
const summariseAtExit = (): void => {
  for (const log of [...unsummarised]) log.summarize();
};

/**
 * How a bus with no `onListenerError` reports what its listeners get wrong: the first failure of each listener in
 * full (with what was thrown, its stack in JSON logs), then a count. A listener that fails on every event would
 * otherwise write a line per event, burying everything else; counting must still never hide that it fails, so the
 * counts are written at most every `LISTENER_ERROR_SUMMARY_MS` while failures go on, at once when the bus is flushed
 * or shut down (runStructure does both at the end of a run), and at the latest when the process exits: the summary
 * timer is unref'd so that it never keeps a process alive, and a process 'exit' listener, there only while some count
 * is unwritten, writes what the timer did not get to (the default logger writes synchronously).
 */
export class ListenerErrorLog {
  readonly #logger: () => Logger;
  readonly #failures = new WeakMap<EventListener, Failures>();
  /** Listeners with unreported failures: held only until their summary is written. */
  readonly #pending = new Set<EventListener>();
  #ordinals = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(logger: () => Logger) {
    this.#logger = logger;
  }

  report(listener: EventListener, error: ListenerError): void {
    const failures = this.#failures.get(listener);
    if (failures !== undefined) {
      failures.unreported++;
      failures.last = error.message;
      this.#pending.add(listener);
      if (unsummarised.size === 0) process.on("exit", summariseAtExit);
      unsummarised.add(this);
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.summarize();
      }, LISTENER_ERROR_SUMMARY_MS).unref();
      return;
    }
    const ordinal = ++this.#ordinals;
    this.#failures.set(listener, { ordinal, unreported: 0, last: error.message });
    const message = `EventListener #${ordinal} failed: ${error.message}. Its later failures are counted and summarised, not logged one by one`;
    const logger = this.#logger();
    try {
      // What was thrown, not the ListenerError: pino would repeat the cause's message inside the error's.
      logger.error({ err: error.cause }, message);
    } catch {
      // Serialising what was thrown (a Proxy whose traps throw, a BigInt) broke the logger: the message alone, then.
      safely(() => logger.error(message));
    }
  }

  /** Writes one line per listener that failed since its last line, saying how often. */
  summarize(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (unsummarised.delete(this) && unsummarised.size === 0) process.off("exit", summariseAtExit);
    for (const listener of this.#pending) {
      const failures = this.#failures.get(listener);
      if (failures === undefined || failures.unreported === 0) continue;
      const { ordinal, unreported, last } = failures;
      failures.unreported = 0;
      safely(() => this.#logger().error(`EventListener #${ordinal} failed ${unreported} more time(s) (last: ${last})`));
    }
    this.#pending.clear();
  }
}

function safely(step: () => void): void {
  try {
    step();
  } catch {
    // Nowhere left to report to.
  }
}
