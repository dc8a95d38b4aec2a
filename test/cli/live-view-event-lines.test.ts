import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { LiveView } from "../../src/cli/live-view.js";
import { summarizeEvent } from "../../src/events/event-summary.js";
import type { EventDetail } from "../../src/local.js";
import { readFixture } from "../support/fixtures.js";

// The live view's line for each USER event: its type and its one-line summary; text chunks streamed as text.

const fixtures = readFixture("python-events.json") as { event: Record<string, unknown> & { type: string } }[];

function view() {
  const stream = new PassThrough();
  let out = "";
  stream.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const live = new LiveView({ stream: stream as unknown as NodeJS.WriteStream, color: false });
  return { live, printed: () => out };
}

function detail(payload: Record<string, unknown> & { type: string }): EventDetail {
  return {
    event_id: "52345678-f277-4f12-939f-707804f2fdf0",
    timestamp: 1,
    type: payload.type,
    payload,
    created_at: "2024-09-11T23:15:50.100000Z",
    origin: "USER",
    structure_run: "r",
  } as EventDetail;
}

describe("LiveView: a line per USER event", () => {
  it("shows every event the framework writes as its type and summary, text chunks as text", () => {
    const { live, printed } = view();
    for (const { event } of fixtures) live.show(detail(event));
    const expected = fixtures.map(({ event }) =>
      event.type === "TextChunkEvent"
        ? String(event.token)
        : [event.type, summarizeEvent(event)].filter((p) => p !== "").join(" "),
    );
    // The chunk's text ends mid-line, so the next line starts on a new one.
    expect(
      printed()
        .split("\n")
        .filter((l) => l !== ""),
    ).toEqual(expected);
  });

  it("escapes control characters in a type and in streamed text", () => {
    const { live, printed } = view();
    live.show(detail({ type: "TextChunkEvent", token: "a\u001b[2J\n" }));
    live.show(detail({ type: "Evil\u009b6n", x: "\u0007" }));
    expect(printed()).toBe('a\\u001b[2J\nEvil\\u009b6n x="\\u0007"\n');
  });
});
