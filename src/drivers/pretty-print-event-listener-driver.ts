import { writeSync } from "node:fs";
import { summarizeEvent } from "../events/event-summary.js";
import { printable, printableText } from "../events/printable.js";
import type { SerializedEvent } from "../events/serialized-event.js";
import type { DeliveryReport, EventListenerDriver } from "./event-listener-driver.js";

export interface PrettyPrintOptions {
  /** File descriptor written to, synchronously. Default: 2 (stderr), so stdout stays the structure's own. */
  fd?: number;
  /** ANSI colours. Default: when `fd` is a TTY and NO_COLOR is unset. */
  color?: boolean;
}

/**
 * A readable view of the events, for running a structure outside Griptape Cloud: text chunks are streamed
 * as text, every other event gets a line of its own (see `summarizeEvent`). Control characters other than line
 * feeds and tabs are escaped. Writes synchronously, so nothing is lost at exit.
 */
export class PrettyPrintEventListenerDriver implements EventListenerDriver {
  readonly #fd: number;
  readonly #color: boolean;
  #midLine = false;
  #printed = 0;
  #closed = false;

  constructor(options: PrettyPrintOptions = {}) {
    this.#fd = options.fd ?? 2;
    this.#color = options.color ?? (isTty(this.#fd) && process.env.NO_COLOR === undefined);
  }

  publishEvent(event: SerializedEvent): void {
    if (this.#closed) return;
    const data = event.toEvent() as Record<string, unknown>;
    if (event.type === "TextChunkEvent" && typeof data.token === "string") {
      this.#write(printableText(data.token));
      this.#midLine = !data.token.endsWith("\n");
    } else {
      const summary = summarizeEvent(data);
      const line = `${this.#paint(printable(event.type), "1;36")}${summary === "" ? "" : ` ${this.#paint(summary, "2")}`}\n`;
      this.#write(this.#midLine ? `\n${line}` : line);
      this.#midLine = false;
    }
    this.#printed++;
  }

  async flush(): Promise<DeliveryReport> {
    return this.#report();
  }

  flushSync(): DeliveryReport {
    return this.#report();
  }

  async shutdown(): Promise<DeliveryReport> {
    if (this.#midLine) this.#write("\n");
    this.#midLine = false;
    this.#closed = true;
    return this.#report();
  }

  #write(text: string): void {
    try {
      writeSync(this.#fd, text);
    } catch {
      // A closed stderr (a pipe whose reader left) must not crash the structure.
    }
  }

  #paint(text: string, sgr: string): string {
    return this.#color ? `\u001b[${sgr}m${text}\u001b[0m` : text;
  }

  #report(): DeliveryReport {
    return { sent: this.#printed, failed: 0, dropped: 0, pending: 0 };
  }
}

function isTty(fd: number): boolean {
  return (fd === 1 && process.stdout.isTTY === true) || (fd === 2 && process.stderr.isTTY === true);
}
