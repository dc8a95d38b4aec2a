/** One server-sent event: its `data` (lines joined with \n) and its `id`, if any. */
export interface ServerSentEvent {
  data: string;
  id: string | undefined;
  event: string | undefined;
}

/**
 * Incremental text/event-stream parser (WHATWG HTML §9.2.6, the parts a JSON stream needs): feed it chunks
 * as they arrive, get the complete events. Comment lines (`: ping`) are ignored.
 */
export class SseParser {
  #buffer = "";
  #data: string[] = [];
  #id: string | undefined;
  #event: string | undefined;
  /** The last chunk ended with a \r: a \n starting the next one is the rest of that CRLF, not a blank line. */
  #pendingLf = false;

  push(chunk: string): ServerSentEvent[] {
    if (chunk === "") return [];
    this.#buffer += this.#pendingLf && chunk.startsWith("\n") ? chunk.slice(1) : chunk;
    this.#pendingLf = false;
    const out: ServerSentEvent[] = [];
    let newline = this.#buffer.search(/\r\n|\r|\n/);
    while (newline >= 0) {
      const line = this.#buffer.slice(0, newline);
      const width = this.#buffer.startsWith("\r\n", newline) ? 2 : 1;
      if (width === 1 && newline === this.#buffer.length - 1 && this.#buffer[newline] === "\r") this.#pendingLf = true;
      this.#buffer = this.#buffer.slice(newline + width);
      const event = this.#line(line);
      if (event !== undefined) out.push(event);
      newline = this.#buffer.search(/\r\n|\r|\n/);
    }
    return out;
  }

  #line(line: string): ServerSentEvent | undefined {
    if (line === "") {
      if (this.#data.length === 0) {
        this.#event = undefined;
        return undefined;
      }
      const event = { data: this.#data.join("\n"), id: this.#id, event: this.#event };
      this.#data = [];
      this.#event = undefined;
      return event;
    }
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "id") this.#id = value;
    else if (field === "event") this.#event = value;
    return undefined;
  }
}
