import { describe, expect, it } from "vitest";
import { type ServerSentEvent, SseParser } from "../../src/client/sse-parser.js";

/** Feeds every chunk to one parser and returns all events, in order. */
function feed(chunks: readonly string[]): ServerSentEvent[] {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

/** Every way of cutting `text` into two chunks, plus one chunk per character. */
function splits(text: string): string[][] {
  const out: string[][] = [[text], [...text]];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

const STREAM =
  ': ping\n\nid: 0\ndata: {"type":"A"}\n\nid: 1\nevent: message\ndata: {"type":"B",\ndata: "n":1}\n\n: ping\n\n';
const EXPECTED: ServerSentEvent[] = [
  { data: '{"type":"A"}', id: "0", event: undefined },
  { data: '{"type":"B",\n"n":1}', id: "1", event: "message" },
];

describe("SseParser", () => {
  it("parses a whole stream: data, id, event, comments ignored", () => {
    expect(feed([STREAM])).toEqual(EXPECTED);
  });

  it("gives the same events however the stream is cut into chunks (mid-line, mid-field name, mid-data)", () => {
    for (const chunks of splits(STREAM)) {
      expect(feed(chunks), JSON.stringify(chunks)).toEqual(EXPECTED);
    }
  });

  it("handles CRLF and CR line endings, including a CRLF split across two chunks", () => {
    const crlf = STREAM.replaceAll("\n", "\r\n");
    for (const chunks of splits(crlf)) {
      expect(feed(chunks), JSON.stringify(chunks)).toEqual(EXPECTED);
    }
    expect(feed([STREAM.replaceAll("\n", "\r")])).toEqual(EXPECTED);
    // The \r of a CRLF ends one chunk and its \n starts the next: one line break, not a blank line.
    expect(feed(["data: a\r", "", "\ndata: b\r", "\n\r", "\n"])).toEqual([
      { data: "a\nb", id: undefined, event: undefined },
    ]);
  });

  it("joins multi-line data with \\n and keeps empty data lines", () => {
    expect(feed(["data: one\ndata: two\ndata:\ndata: four\n\n"])).toEqual([
      { data: "one\ntwo\n\nfour", id: undefined, event: undefined },
    ]);
    expect(feed(["data:\n\n"])).toEqual([{ data: "", id: undefined, event: undefined }]);
  });

  it("strips exactly one space after the colon, and accepts no space", () => {
    expect(feed(["data:x\n\n", "data:  two spaces\n\n"])).toEqual([
      { data: "x", id: undefined, event: undefined },
      { data: " two spaces", id: undefined, event: undefined },
    ]);
  });

  it("dispatches only on a blank line", () => {
    const parser = new SseParser();
    expect(parser.push("data: a\n")).toEqual([]);
    expect(parser.push("data: b\n")).toEqual([]);
    expect(parser.push("\n")).toEqual([{ data: "a\nb", id: undefined, event: undefined }]);
    // An unterminated event at the end of the input is not dispatched.
    expect(parser.push("data: c\n")).toEqual([]);
  });

  it("does not dispatch a block without data, and that block's event name does not leak into the next", () => {
    expect(feed(["event: lonely\n\n", ": only a comment\n\n", "\n\n", "data: x\n\n"])).toEqual([
      { data: "x", id: undefined, event: undefined },
    ]);
  });

  it("keeps the last id for later events (last event id) and resets the event name after each dispatch", () => {
    expect(feed(["id: 7\nevent: custom\ndata: a\n\n", "data: b\n\n", "id: 8\ndata: c\n\n"])).toEqual([
      { data: "a", id: "7", event: "custom" },
      { data: "b", id: "7", event: undefined },
      { data: "c", id: "8", event: undefined },
    ]);
  });

  it("ignores unknown fields and a line with no colon that is not a known field", () => {
    expect(feed(["retry: 1000\nfoo: bar\nnonsense\ndata: ok\n\n"])).toEqual([
      { data: "ok", id: undefined, event: undefined },
    ]);
  });

  it("treats a field name without colon as the field with an empty value", () => {
    expect(feed(["data\ndata\n\n"])).toEqual([{ data: "\n", id: undefined, event: undefined }]);
  });
});
