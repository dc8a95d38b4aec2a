import type { ServerResponse } from "node:http";

/**
 * One server-sent-events response. Each event is written as `id: <offset>` and `data: <json>` lines and a blank
 * line; a `: ping` comment every `keepAliveMs` keeps proxies and idle timeouts from closing a quiet stream.
 * The keep-alive timer is unref'd, so an open stream never keeps a process alive on its own.
 */
export class EventStream {
  readonly #res: ServerResponse;
  readonly #timer: NodeJS.Timeout;
  readonly #onEnd: () => void;
  #ended = false;

  constructor(res: ServerResponse, keepAliveMs: number, onEnd: () => void) {
    this.#res = res;
    this.#onEnd = onEnd;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.socket?.setNoDelay(true);
    // Headers go out now, so a client sees the stream open before the first event exists.
    res.flushHeaders();
    this.#timer = setInterval(() => this.#write(": ping\n\n"), keepAliveMs);
    this.#timer.unref();
    // The client went away, or close() destroyed the socket.
    res.once("close", () => this.#finish());
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** `json` is one line of JSON (JSON.stringify output never contains a raw newline). */
  send(id: number, json: string): void {
    this.#write(`id: ${id}\ndata: ${json}\n\n`);
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
    this.#res.write(text);
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#timer);
    this.#onEnd();
  }
}
