import { getEventsPage, NotFoundError, SessionEndedError } from "./api.js";
import { isTerminalEvent } from "./terminal-event.js";
import { type EventDetail, toEventDetail } from "./wire.js";

export type FollowState = "loading" | "live" | "reconnecting" | "ended" | "not-found" | "session-ended";

export interface FollowerListener {
  /** Events in stored order; `arrivedAt` is `performance.now()` when the last of them arrived. */
  events(events: EventDetail[], arrivedAt: number): void;
  state(state: FollowState): void;
}

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 10_000;

/**
 * Follows one run: its past events in pages (`GET …/events?offset`), then the live stream from the next offset
 * (`GET …/events/stream?offset`). When the stream breaks, it catches up from the last offset it holds with the
 * paged route and opens the stream again from there, so nothing is missed and nothing is asked for twice; the
 * browser's own EventSource retry is not used, as it would resend the first `?offset` and repeat events.
 *
 * The offset counts stored events (the stream sends them one message each, in order), duplicates included:
 * de-duplication by id is the model's job.
 */
export class RunFollower {
  readonly #runId: string;
  readonly #listener: FollowerListener;
  readonly #abort = new AbortController();
  #offset = 0;
  #ended = false;
  #source: EventSource | undefined;
  #retryMs = RETRY_FIRST_MS;
  #timer: number | undefined;

  constructor(runId: string, listener: FollowerListener) {
    this.#runId = runId;
    this.#listener = listener;
  }

  /** Stored events received so far: where the next request starts. */
  get offset(): number {
    return this.#offset;
  }

  start(): void {
    void this.#catchUpThenStream();
  }

  stop(): void {
    this.#abort.abort();
    this.#source?.close();
    this.#source = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  get #stopped(): boolean {
    return this.#abort.signal.aborted;
  }

  async #catchUpThenStream(): Promise<void> {
    this.#listener.state(this.#offset === 0 ? "loading" : "reconnecting");
    try {
      await this.#catchUp();
    } catch (err) {
      if (this.#stopped) return;
      if (err instanceof SessionEndedError) return this.#listener.state("session-ended");
      if (err instanceof NotFoundError) return this.#listener.state("not-found");
      return this.#retry();
    }
    if (this.#stopped) return;
    if (this.#ended) return this.#listener.state("ended");
    this.#open();
  }

  async #catchUp(): Promise<void> {
    for (;;) {
      const page = await getEventsPage(this.#runId, this.#offset, this.#abort.signal);
      if (this.#stopped) return;
      this.#offset += page.count;
      this.#deliver(page.events);
      if (page.count === 0 || this.#offset >= page.totalCount || this.#ended) return;
    }
  }

  #open(): void {
    const url = `/api/structure-runs/${encodeURIComponent(this.#runId)}/events/stream?offset=${this.#offset}`;
    const source = new EventSource(url);
    this.#source = source;
    source.addEventListener("open", () => {
      this.#retryMs = RETRY_FIRST_MS;
      this.#listener.state("live");
    });
    source.addEventListener("message", (message: MessageEvent<string>) => {
      this.#offset++;
      let event: EventDetail | undefined;
      try {
        event = toEventDetail(JSON.parse(message.data));
      } catch {
        event = undefined;
      }
      if (event !== undefined) this.#deliver([event]);
      if (this.#ended) {
        source.close();
        this.#listener.state("ended");
      }
    });
    source.addEventListener("error", () => {
      // A stream that ends, or a connection that drops: either way, resume from the offset held.
      source.close();
      if (this.#source === source) this.#source = undefined;
      if (!this.#ended && !this.#stopped) this.#retry();
    });
  }

  #deliver(events: EventDetail[]): void {
    if (events.length === 0) return;
    if (events.some(isTerminalEvent)) this.#ended = true;
    this.#listener.events(events, performance.now());
  }

  #retry(): void {
    this.#listener.state("reconnecting");
    this.#timer = window.setTimeout(() => void this.#catchUpThenStream(), this.#retryMs);
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
  }
}
