import type { WriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { boundDelay } from "../delays.js";
import { ConfigError } from "../errors.js";
import type { Logger } from "../logger.js";

/** Why a file cannot be opened, in words, for the errors a mistyped path gives. */
const OPEN_FAILURES: Record<string, string> = {
  ENOENT: "its directory does not exist",
  ENOTDIR: "a part of its path is not a directory",
  EISDIR: "it is a directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
};

/** How long `close()` waits for lines still queued for a file that takes none (a FIFO nobody reads). */
const CLOSE_GRACE_MS = 5_000;

/**
 * Appends stored events to a file, one EventDetail JSON per line (NDJSON). The file is opened at start so a bad
 * path fails `start()` rather than the first event; one write stream keeps lines in storage order without
 * blocking the event loop. A write error is logged once and later events are not written; storage goes on.
 *
 * A file slower than the producers (a slow disk, a pipe read slowly) would make the stream queue every line in
 * memory; `drained()` lets the emulator hold its POST answers until the queue is written, so producers wait
 * instead (the same rule as an SSE reader's backpressure). A file that takes nothing for `stallTimeoutMs` (a FIFO
 * nobody reads) is given up, as a stalled reader is dropped: said once, and later events stay in memory only.
 */
export class NdjsonEventLog {
  readonly path: string;
  readonly #stream: WriteStream;
  readonly #logger: Logger;
  readonly #stallTimeoutMs: number;
  #failed = false;
  #closed: Promise<void> | undefined;
  /** The one wait for `drain` that every held POST shares (one set of listeners, however many wait). */
  #draining: Promise<void> | undefined;

  private constructor(path: string, stream: WriteStream, logger: Logger, stallTimeoutMs: number) {
    this.path = path;
    this.#stream = stream;
    this.#logger = logger;
    this.#stallTimeoutMs = stallTimeoutMs;
    stream.on("error", (err) => {
      if (this.#failed) return;
      this.#failed = true;
      this.#logger.error({ err, path }, "cannot write the events file; later events are kept in memory only");
    });
  }

  /** Throws `ConfigError` (naming `eventsFile`) when the file cannot be opened for appending, saying why. */
  static async open(path: string, logger: Logger, stallTimeoutMs: number): Promise<NdjsonEventLog> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, "a");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
      const why = OPEN_FAILURES[code] ?? "it cannot be opened for appending";
      throw new ConfigError("eventsFile", `cannot write the events file ${JSON.stringify(path)}: ${why} (${code})`);
    }
    // 1 MiB queued before producers are held: a few full batches, so a normal disk never makes a POST wait.
    return new NdjsonEventLog(path, handle.createWriteStream({ highWaterMark: 1 << 20 }), logger, stallTimeoutMs);
  }

  /** `lines` is one or more JSON texts, each followed by "\n". */
  append(lines: string): void {
    if (this.#failed || this.#closed !== undefined) return;
    this.#stream.write(lines);
  }

  /** Resolves once what was appended has left memory for the file, or at once when little is queued. */
  drained(): Promise<void> {
    const stream = this.#stream;
    if (!stream.writableNeedDrain || this.#failed || stream.destroyed) return Promise.resolve();
    this.#draining ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(stall);
        stream.off("drain", done);
        stream.off("close", done);
        stream.off("error", done);
        this.#draining = undefined;
        resolve();
      };
      const stall = setTimeout(() => {
        this.#giveUp();
        done();
      }, boundDelay(this.#stallTimeoutMs));
      stall.unref();
      stream.on("drain", done);
      stream.on("close", done);
      stream.on("error", done);
    });
    return this.#draining;
  }

  #giveUp(): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#logger.error(
      { path: this.path, unwrittenBytes: this.#stream.writableLength, stallTimeoutMs: this.#stallTimeoutMs },
      "the events file took nothing for stallTimeoutMs; it is given up: later events are kept in memory only",
    );
    this.#stream.destroy();
  }

  /** Flushes what was appended and closes the file. Idempotent; never rejects. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      if (this.#stream.destroyed) {
        resolve();
        return;
      }
      const stream = this.#stream;
      // Lines a file never takes must not hold the emulator open: after a grace period they are dropped, said.
      const grace = setTimeout(() => {
        this.#logger.error(
          { path: this.path, unwrittenBytes: stream.writableLength },
          "the events file took no more lines; the last ones were not written to it",
        );
        // A write blocked in the file system holds the stream's close; the emulator does not wait for it.
        stream.destroy();
        resolve();
      }, CLOSE_GRACE_MS);
      grace.unref();
      stream.once("close", () => {
        clearTimeout(grace);
        resolve();
      });
      stream.end();
    });
    return this.#closed;
  }
}
