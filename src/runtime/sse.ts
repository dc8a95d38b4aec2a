import type { ServerResponse } from "node:http";
import type { Logger } from "../logger.js";
import { isTerminalEvent } from "../web/terminal-event.js";
import type { StoredEvent } from "./run-store.js";

/** Where a stream reads a run's stored events: it pulls them, so nothing is buffered per reader. */
export interface StreamSource {
  /** Stored events from `offset`, at most `limit`. */
  eventsFrom(offset: number, limit: number): readonly StoredEvent[];
  /** Nothing more will be stored. */
  isTerminal(): boolean;
}

export interface EventStreamOptions {
  /** Interval of `: ping` comments. */
  keepAliveMs: number;
  /** A reader that accepts nothing for this long while events wait is dropped. */
  stallTimeoutMs: number;
  logger: Logger;
  /** Called once when the stream ends, whatever the reason. */
  onEnd: () => void;
}

/** Events read from the store per step, and the text written per `write()` call at most (one event may exceed it). */
const PULL_EVENTS = 256;
const WRITE_CHARS = 64 * 1024;

/**
 * One server-sent-events response. Each event is written as `id: <offset>` and `data: <json>` lines and a blank
 * line; a `: ping` comment every `keepAliveMs` keeps proxies and idle timeouts from closing a quiet stream.
 *
 * Backpressure: events are pulled from the run's store while `write()` accepts them; once it returns false the
 * stream waits for 'drain' and resumes from the next offset. A reader that never reads costs a socket's buffers,
 * not a copy of every event (see docs/local-runtime.md); one that accepts nothing for `stallTimeoutMs` is dropped,
 * and resumes from its last offset when it reconnects. Timers are unref'd: an open stream never keeps a process
 * alive on its own.
 */
export class EventStream {
  readonly #res: ServerResponse;
  readonly #source: StreamSource;
  readonly #options: EventStreamOptions;
  readonly #keepAlive: NodeJS.Timeout;
  #next: number;
  #stall: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(res: ServerResponse, source: StreamSource, offset: number, options: EventStreamOptions) {
    this.#res = res;
    this.#source = source;
    this.#next = offset;
    this.#options = options;
    res.writeHead(200, EVENT_STREAM_HEADERS);
    res.socket?.setNoDelay(true);
    // Headers go out now, so a client sees the stream open before the first event exists.
    res.flushHeaders();
    this.#keepAlive = setInterval(() => {
      if (this.#stall === undefined) this.#write(": ping\n\n");
    }, options.keepAliveMs);
    this.#keepAlive.unref();
    // The client went away, was dropped, or close() destroyed the socket.
    res.once("close", () => this.#finish());
  }

  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Writes what the store holds from the next offset, until the reader is behind (then 'drain' resumes it) or the
   * run's terminal event is written (then the stream ends). Call it whenever an event is stored.
   */
  pump(): void {
    while (!this.#ended && this.#stall === undefined && !this.#res.destroyed) {
      const events = this.#source.eventsFrom(this.#next, PULL_EVENTS);
      if (events.length === 0) {
        if (this.#source.isTerminal()) void this.end();
        return;
      }
      let text = "";
      let terminal = false;
      for (const event of events) {
        text += `id: ${event.offset}\ndata: ${event.json}\n\n`;
        this.#next = event.offset + 1;
        if (isTerminalEvent(event.detail)) {
          terminal = true;
          break;
        }
        if (text.length >= WRITE_CHARS) break;
      }
      this.#write(text);
      if (terminal) {
        void this.end();
        return;
      }
    }
  }

  /**
   * Ends the response cleanly: the client sees the end of the stream. Idempotent. The promise resolves when the
   * end was handed to the socket, or the socket is gone; it never rejects.
   */
  end(): Promise<void> {
    const res = this.#res;
    const flushed =
      res.writableFinished || res.destroyed
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            res.once("finish", resolve);
            res.once("close", resolve);
          });
    if (!this.#ended) {
      res.end();
      this.#finish();
    }
    return flushed;
  }

  #write(text: string): void {
    if (this.#ended || this.#res.destroyed) return;
    if (this.#res.write(text)) return;
    // Behind: nothing more is written until the socket drains; the store keeps what comes meanwhile.
    this.#stall = setTimeout(() => this.#drop(), this.#options.stallTimeoutMs);
    this.#stall.unref();
    this.#res.once("drain", () => {
      clearTimeout(this.#stall);
      this.#stall = undefined;
      this.pump();
    });
  }

  #drop(): void {
    this.#options.logger.warn(
      { nextOffset: this.#next, stallTimeoutMs: this.#options.stallTimeoutMs },
      "dropped an event stream whose reader accepted nothing; it can resume from its last offset",
    );
    this.#res.destroy();
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#keepAlive);
    clearTimeout(this.#stall);
    this.#options.onEnd();
  }
}

export const EVENT_STREAM_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
  "x-accel-buffering": "no",
} as const;
