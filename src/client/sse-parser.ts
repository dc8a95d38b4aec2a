/** One server-sent event: its `data` (lines joined with \n) and its `id`, if any. */
export interface ServerSentEvent {
  data: string;
  id: string | undefined;
  event: string | undefined;
}

/** A stream sent a line or an event larger than the parser keeps. Internal: the client turns it into its error. */
export class SseLimitError extends Error {
  constructor(maxChars: number) {
    super(`an event on the stream is larger than ${maxChars} characters (or a line never ends)`);
    this.name = "SseLimitError";
  }
}

/**
 * Incremental text/event-stream parser (WHATWG HTML §9.2.6, the parts a JSON stream needs): feed it chunks
 * as they arrive, get the complete events. Comment lines (`: ping`) are ignored.
 *
 * Each chunk is scanned once (a line trickled in many chunks costs its length, not its length squared), and what
 * it holds is bounded: a line that never ends, or an event whose data lines never end with a blank line, throws
 * `SseLimitError` once past `maxEventChars` rather than growing without end.
 */
export class SseParser {
  readonly #maxEventChars: number;
  /** The start of a line whose end has not arrived yet, in pieces. */
  #partial: string[] = [];
  #partialChars = 0;
  #data: string[] = [];
  #dataChars = 0;
  #id: string | undefined;
  #event: string | undefined;
  /** The last chunk ended with a \r: a \n starting the next one is the rest of that CRLF, not a blank line. */
  #pendingLf = false;

  constructor(options: { maxEventChars?: number } = {}) {
    this.#maxEventChars = options.maxEventChars ?? Number.POSITIVE_INFINITY;
  }

  push(chunk: string): ServerSentEvent[] {
    const out: ServerSentEvent[] = [];
    let i = this.#pendingLf && chunk.startsWith("\n") ? 1 : 0;
    if (chunk.length > 0) this.#pendingLf = false;
    // Next \r and \n at or after i, found once and reused until passed: each chunk is scanned once.
    let cr = -2;
    let lf = -2;
    while (i < chunk.length) {
      if (cr !== -1 && cr < i) cr = chunk.indexOf("\r", i);
      if (lf !== -1 && lf < i) lf = chunk.indexOf("\n", i);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (end === -1) {
        this.#keepPartial(chunk.slice(i));
        break;
      }
      const line = this.#takeLine(chunk.slice(i, end));
      if (chunk[end] === "\r") {
        if (end + 1 === chunk.length) this.#pendingLf = true;
        i = chunk[end + 1] === "\n" ? end + 2 : end + 1;
      } else {
        i = end + 1;
      }
      const event = this.#line(line);
      if (event !== undefined) out.push(event);
    }
    return out;
  }

  #keepPartial(text: string): void {
    this.#partial.push(text);
    this.#partialChars += text.length;
    if (this.#partialChars + this.#dataChars > this.#maxEventChars) throw new SseLimitError(this.#maxEventChars);
  }

  #takeLine(rest: string): string {
    if (this.#partial.length === 0) return rest;
    const line = this.#partial.join("") + rest;
    this.#partial = [];
    this.#partialChars = 0;
    return line;
  }

  #line(line: string): ServerSentEvent | undefined {
    if (line === "") {
      if (this.#data.length === 0) {
        this.#event = undefined;
        return undefined;
      }
      const event = { data: this.#data.join("\n"), id: this.#id, event: this.#event };
      this.#data = [];
      this.#dataChars = 0;
      this.#event = undefined;
      return event;
    }
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") {
      this.#data.push(value);
      this.#dataChars += value.length + 1;
      if (this.#dataChars > this.#maxEventChars) throw new SseLimitError(this.#maxEventChars);
    } else if (field === "id") this.#id = value;
    else if (field === "event") this.#event = value;
    return undefined;
  }
}
