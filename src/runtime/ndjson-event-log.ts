import type { WriteStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Logger } from "../logger.js";

/**
 * Appends stored events to a file, one EventDetail JSON per line (NDJSON). The file is opened at start so a bad
 * path fails `start()` rather than the first event; one write stream keeps lines in storage order without
 * blocking the event loop. A write error is logged once and later events are not written; storage goes on.
 */
export class NdjsonEventLog {
  readonly path: string;
  readonly #stream: WriteStream;
  readonly #logger: Logger;
  #failed = false;
  #closed: Promise<void> | undefined;

  private constructor(path: string, stream: WriteStream, logger: Logger) {
    this.path = path;
    this.#stream = stream;
    this.#logger = logger;
    stream.on("error", (err) => {
      if (this.#failed) return;
      this.#failed = true;
      this.#logger.error({ err, path }, "cannot write the events file; later events are kept in memory only");
    });
  }

  static async open(path: string, logger: Logger): Promise<NdjsonEventLog> {
    const handle = await open(path, "a");
    return new NdjsonEventLog(path, handle.createWriteStream(), logger);
  }

  /** `lines` is one or more JSON texts, each followed by "\n". */
  append(lines: string): void {
    if (this.#failed || this.#closed !== undefined) return;
    this.#stream.write(lines);
  }

  /** Flushes what was appended and closes the file. Idempotent; never rejects. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      if (this.#stream.destroyed) {
        resolve();
        return;
      }
      this.#stream.once("close", () => resolve());
      this.#stream.end();
    });
    return this.#closed;
  }
}
