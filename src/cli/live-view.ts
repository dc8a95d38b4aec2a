import { artifactValue, summarizeEvent } from "../events/event-summary.js";
import { printable, printableText } from "../events/printable.js";
import type { EventDetail } from "../events/wire-schemas.js";

export interface LiveViewOptions {
  /** Default: process.stdout. */
  stream?: NodeJS.WriteStream;
  /** One line of JSON per EventDetail, nothing else. */
  json?: boolean;
  /** ANSI colours. Default: when the stream is a TTY and NO_COLOR is unset. */
  color?: boolean;
}

const STATUS_COLOURS: Record<string, string> = {
  SUCCEEDED: "1;32",
  FAILED: "1;31",
  ERROR: "1;31",
  CANCELLED: "1;33",
};

/**
 * What `run` and `tail` show: SYSTEM events as status lines, text chunks streamed as text, other USER events
 * as one line each; or, with `json`, exactly one line per EventDetail.
 */
export class LiveView {
  readonly #stream: NodeJS.WriteStream;
  readonly #json: boolean;
  readonly #color: boolean;
  readonly #started = performance.now();
  #midLine = false;
  #user = 0;
  #system = 0;
  #lastStatus: string | undefined;
  #exitCode: number | null = null;

  constructor(options: LiveViewOptions = {}) {
    this.#stream = options.stream ?? process.stdout;
    this.#json = options.json === true;
    this.#color = options.color ?? (this.#stream.isTTY === true && process.env.NO_COLOR === undefined);
  }

  show(event: EventDetail): void {
    if (event.origin === "SYSTEM") {
      this.#system++;
      const payload = event.payload as {
        status: string;
        status_detail?: { exit_code?: number | null; error?: string };
      };
      this.#lastStatus = payload.status;
      this.#exitCode = payload.status_detail?.exit_code ?? this.#exitCode;
    } else {
      this.#user++;
    }
    if (this.#json) {
      this.#write(`${JSON.stringify(event)}\n`);
      return;
    }
    if (event.origin === "SYSTEM") {
      const payload = event.payload as { status: string; status_detail?: Record<string, unknown> };
      const detail = payload.status_detail === undefined ? "" : ` ${summarizeEvent(payload.status_detail)}`;
      this.#line(
        `${this.#paint(`● ${payload.status}`, STATUS_COLOURS[payload.status] ?? "1;34")}${this.#paint(detail, "2")}`,
      );
      return;
    }
    const payload = event.payload as Record<string, unknown>;
    if (event.type === "TextChunkEvent" && typeof payload.token === "string") {
      this.#write(printableText(payload.token));
      this.#midLine = !payload.token.endsWith("\n");
      return;
    }
    const summary = summarizeEvent(payload);
    this.#line(`${this.#paint(printable(event.type), "1;36")}${summary === "" ? "" : ` ${this.#paint(summary, "2")}`}`);
  }

  /**
   * The structure's own output, on stderr. On a terminal it shares lines with the view, so a line of streamed
   * text is ended first; in JSON mode it passes untouched (stdout holds only events).
   */
  aside(chunk: Buffer): void {
    if (!this.#json && this.#midLine) {
      this.#write("\n");
      this.#midLine = false;
    }
    process.stderr.write(chunk);
  }

  /** The closing summary: counts, duration, output. Nothing in JSON mode. */
  summary(output: unknown): void {
    if (this.#json) return;
    const seconds = ((performance.now() - this.#started) / 1000).toFixed(2);
    const status = this.#lastStatus ?? "UNKNOWN";
    const value = output === null || output === undefined ? "(none)" : JSON.stringify(artifactValue(output));
    this.#line(
      [
        this.#paint("── run summary", "1"),
        `status    ${this.#paint(status, STATUS_COLOURS[status] ?? "1")}${this.#exitCode === null ? "" : ` (exit code ${this.#exitCode})`}`,
        `events    ${this.#user} USER, ${this.#system} SYSTEM`,
        `duration  ${seconds} s`,
        `output    ${value}`,
      ].join("\n"),
    );
  }

  #line(text: string): void {
    this.#write(this.#midLine ? `\n${text}\n` : `${text}\n`);
    this.#midLine = false;
  }

  #paint(text: string, sgr: string): string {
    return this.#color && text !== "" ? `\u001b[${sgr}m${text}\u001b[0m` : text;
  }

  #write(text: string): void {
    this.#stream.write(text);
  }

  /** Resolves once everything written has been handed to the OS, so exiting loses nothing. */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stream.writableLength === 0) resolve();
      else this.#stream.once("drain", () => resolve());
    });
  }
}
