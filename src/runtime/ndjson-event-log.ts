import type { WriteStream } from "node:fs";
import { open } from "node:fs/promises";
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

  /** Throws `ConfigError` (naming `eventsFile`) when the file cannot be opened for appending, saying why. */
  static async open(path: string, logger: Logger): Promise<NdjsonEventLog> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, "a");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
      const why = OPEN_FAILURES[code] ?? "it cannot be opened for appending";
      throw new ConfigError("eventsFile", `cannot write the events file ${JSON.stringify(path)}: ${why} (${code})`);
    }
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
