import { EventDeduplicator } from "../client/event-deduplicator.js";
import { artifactValue, summarizeEvent } from "../events/event-summary.js";
import { printable, printableText } from "../events/printable.js";
import type { EventDetail } from "../events/wire-schemas.js";
import type { RefusalCounts } from "../runtime/refused-posts.js";
import { isTerminalEvent } from "../web/terminal-event.js";

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

/** What the closing summary knows beyond the events: the run's output, and where the view started reading. */
export interface SummaryInput {
  /** The run's `output` (from its run resource). */
  output: unknown;
  /** Why the output could not be read, if it could not. */
  outputError?: string;
  /** The first offset shown: from 0 the view has seen the whole run. Default 0. */
  fromOffset?: number;
  /**
   * The event POSTs the emulator refused, by reason (`run` knows them; `tail` cannot). A refusal may have carried
   * the FinishStructureRunEvent, so with any, "never published" would be a guess.
   */
  refusedPosts?: RefusalCounts;
  /**
   * The exit code the CLI exits with (`run`: the structure's, 127 or 126 when its command could not start), shown
   * on the status line when the run's SYSTEM events report none.
   */
  exitCode?: number;
}

/**
 * What `run` and `tail` show: SYSTEM events as status lines, text chunks streamed as text, other USER events
 * as one line each, each event once (a duplicate by `payload.id` from an at-least-once retry is skipped and
 * counted); or, with `json`, exactly one line per EventDetail as stored, duplicates included.
 */
export class LiveView {
  readonly #stream: NodeJS.WriteStream;
  readonly #json: boolean;
  readonly #color: boolean;
  readonly #dedupe = new EventDeduplicator();
  #midLine = false;
  #user = 0;
  #system = 0;
  #duplicates = 0;
  #sawFinish = false;
  /** `output_task_output` of the last FinishStructureRunEvent shown. */
  #finishOutput: unknown;
  #firstSystemAt: string | undefined;
  #terminal: EventDetail | undefined;
  #lastStatus: string | undefined;
  #exitCode: number | null = null;

  constructor(options: LiveViewOptions = {}) {
    this.#stream = options.stream ?? process.stdout;
    this.#json = options.json === true;
    this.#color = options.color ?? (this.#stream.isTTY === true && process.env.NO_COLOR === undefined);
  }

  show(event: EventDetail): void {
    if (!this.#json && this.#dedupe.isDuplicate(event)) {
      this.#duplicates++;
      return;
    }
    if (event.origin === "SYSTEM") {
      this.#system++;
      this.#firstSystemAt ??= event.created_at;
      if (isTerminalEvent(event)) this.#terminal = event;
      const payload = event.payload as {
        status: string;
        status_detail?: { exit_code?: number | null; error?: string };
      };
      this.#lastStatus = payload.status;
      this.#exitCode = payload.status_detail?.exit_code ?? this.#exitCode;
    } else {
      this.#user++;
      if (event.type === "FinishStructureRunEvent") {
        this.#sawFinish = true;
        this.#finishOutput = (event.payload as { output_task_output?: unknown }).output_task_output ?? null;
      }
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

  /** The run's terminal SYSTEM event, once shown. */
  get terminal(): EventDetail | undefined {
    return this.#terminal;
  }

  /**
   * The output of the run's FinishStructureRunEvent as seen on the way (what the run resource's `output` is made
   * of), or undefined when none was shown.
   */
  get finishOutput(): { output: unknown } | undefined {
    return this.#sawFinish ? { output: this.#finishOutput } : undefined;
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

  /** The closing summary: status, counts, the run's duration from its SYSTEM events, output. Nothing in JSON mode. */
  summary(input: SummaryInput): void {
    if (this.#json) return;
    const status = this.#lastStatus ?? "UNKNOWN";
    const exitCode = this.#exitCode ?? input.exitCode;
    const duplicates =
      this.#duplicates === 0 ? "" : ` (${this.#duplicates} duplicate${this.#duplicates === 1 ? "" : "s"} skipped)`;
    this.#line(
      [
        this.#paint("── run summary", "1"),
        `status    ${this.#paint(status, STATUS_COLOURS[status] ?? "1")}${exitCode === undefined ? "" : ` (exit code ${exitCode})`}`,
        `events    ${this.#user} USER, ${this.#system} SYSTEM${duplicates}`,
        `duration  ${this.#duration()}`,
        `output    ${this.#output(input)}`,
      ].join("\n"),
    );
  }

  /**
   * From the first SYSTEM event seen to the terminal one (their `created_at`, to the microsecond); when only the
   * terminal one was seen (`tail --offset`), its payload's `started_at` to `completed_at` (whole seconds).
   */
  #duration(): string {
    const terminal = this.#terminal;
    if (terminal === undefined) return "unknown: the run's terminal SYSTEM event was not seen";
    const payload = terminal.payload as { started_at?: unknown; completed_at?: unknown };
    let ms = Number.NaN;
    if (this.#firstSystemAt !== undefined && this.#firstSystemAt !== terminal.created_at) {
      ms = Date.parse(terminal.created_at) - Date.parse(this.#firstSystemAt);
    } else if (typeof payload.started_at === "string" && typeof payload.completed_at === "string") {
      // "YYYY-MM-DDTHH:MM:SS" in UTC without a zone: without the Z, Date.parse would read local time.
      ms = Date.parse(`${payload.completed_at}Z`) - Date.parse(`${payload.started_at}Z`);
    }
    return Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : "unknown: the SYSTEM events carry no usable times";
  }

  #output({ output, outputError, fromOffset = 0, refusedPosts }: SummaryInput): string {
    if (outputError !== undefined) return `unknown: ${outputError}`;
    if (output !== null && output !== undefined) {
      const shown = printable(JSON.stringify(artifactValue(output)) ?? String(output));
      // As the live line shows it (`output error "…"`): a failed run's output is its error, not a result.
      return (output as { type?: unknown }).type === "ErrorArtifact"
        ? `${this.#paint("error", STATUS_COLOURS.ERROR as string)} ${shown}`
        : shown;
    }
    if (this.#sawFinish) return "(none)";
    // A run that ended in StructureRunError never ran its structure (the command could not start): say why, from
    // the event's status_detail, rather than blame the structure for a Finish it could not publish.
    const terminal = this.#terminal;
    if (terminal?.type === "StructureRunError") {
      const error = (terminal.payload as { status_detail?: { error?: unknown } }).status_detail?.error;
      return typeof error === "string" && error.trim() !== ""
        ? `no output: the command could not start (${printable(error.length > 300 ? `${error.slice(0, 300)}…` : error)})`
        : "no output: the command could not start (no reason given)";
    }
    if (fromOffset > 0) return "(none)";
    const refused = [...(refusedPosts ?? new Map<string, number>())];
    if (refused.length > 0) {
      const count = refused.reduce((sum, [, n]) => sum + n, 0);
      const reasons = refused.map(([reason, n]) => `${reason} ×${n}`).join(", ");
      return (
        `no output: no FinishStructureRunEvent reached the emulator; it refused ${count} event ` +
        `POST${count === 1 ? "" : "s"} (${reasons})`
      );
    }
    return "no output: the structure never published a FinishStructureRunEvent";
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
