import { describe, expect, it } from "vitest";
import { serializeEvent } from "../../src/events/serialize-event.js";
import { EventBus } from "../../src/index.js";
import { refused } from "../support/refused.js";

// The chunk events are written by hand on the hot path; whatever path an event takes, its JSON must be byte for
// byte what JSON.stringify writes for the completed event in the Python key order.

const TOKENS = [
  "",
  "Hel",
  'quote " and backslash \\',
  "control \u0000\u0001\u001f and \b\f\n\r\t",
  "unicode é 漢字 \u2028\u2029",
  "emoji 😀 and a lone surrogate \ud800 and \udfff",
  "</script>",
  "x".repeat(5000),
];
const ID = "0123456789abcdef0123456789abcdef";

describe("serializeEvent writes exactly what JSON.stringify would", () => {
  it("TextChunkEvent, every kind of token and index", () => {
    for (const [i, token] of TOKENS.entries()) {
      for (const index of [0, 1, i, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
        const { json } = serializeEvent({ type: "TextChunkEvent", id: ID, timestamp: 1726096550.1 + i, index, token });
        const expected = { type: "TextChunkEvent", id: ID, timestamp: 1726096550.1 + i, meta: {}, index, token };
        expect(json).toBe(JSON.stringify(expected));
      }
    }
  });

  it("TextChunkEvent with index left to its default and generated id and timestamp", () => {
    const event = serializeEvent({ type: "TextChunkEvent", token: "a" });
    expect(event.json).toBe(
      JSON.stringify({
        type: "TextChunkEvent",
        id: event.id,
        timestamp: event.timestamp,
        meta: {},
        index: 0,
        token: "a",
      }),
    );
  });

  it("ActionChunkEvent, nulls and strings, defaults filled", () => {
    for (const token of TOKENS) {
      const { json } = serializeEvent({
        type: "ActionChunkEvent",
        id: ID,
        timestamp: 5,
        partial_input: token,
        name: "t",
      });
      const expected = {
        type: "ActionChunkEvent",
        id: ID,
        timestamp: 5,
        meta: {},
        index: 0,
        partial_input: token,
        tag: null,
        name: "t",
        path: null,
      };
      expect(json).toBe(JSON.stringify(expected));
    }
  });

  it("the general path (meta given) agrees too, and an extra key is refused rather than sent", () => {
    const withMeta = serializeEvent({
      type: "TextChunkEvent",
      id: ID,
      timestamp: 1,
      token: "a",
      meta: { k: [1, "b"] },
    });
    expect(withMeta.json).toBe(
      JSON.stringify({ type: "TextChunkEvent", id: ID, timestamp: 1, meta: { k: [1, "b"] }, index: 0, token: "a" }),
    );
    expect(() => serializeEvent({ type: "TextChunkEvent", id: ID, timestamp: 1, token: "a", extra: { n: 1 } })).toThrow(
      expect.objectContaining({ reason: "unknown_field", issues: [expect.objectContaining({ path: ["extra"] })] }),
    );
  });

  it("a field that fails its check on the hot path gets zod's error", () => {
    expect(() => serializeEvent({ type: "TextChunkEvent", token: "a", index: -1 })).toThrow(
      expect.objectContaining({
        code: "ERR_INVALID_EVENT",
        reason: "schema",
        issues: [expect.objectContaining({ path: ["index"] })],
      }),
    );
    expect(() => serializeEvent({ type: "TextChunkEvent", token: "a", index: 1.5 })).toThrow(
      expect.objectContaining({ reason: "schema" }),
    );
    expect(() => serializeEvent({ type: "TextChunkEvent", token: 5 })).toThrow(
      expect.objectContaining({ reason: "schema", issues: [expect.objectContaining({ path: ["token"] })] }),
    );
  });
});

describe("a refused event's message says what was wrong in plain words, with the value", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["a wrong type", { type: "TextChunkEvent", token: 5, index: 0 }, "`token` must be a string, got 5"],
    [
      "an object for a string",
      { type: "TextChunkEvent", token: { a: 1 }, index: 0 },
      "`token` must be a string, got an object",
    ],
    ["a negative index", { type: "TextChunkEvent", token: "x", index: -1 }, "`index` must be at least 0, got -1"],
    [
      "a negative token count",
      { type: "FinishPromptEvent", model: "m", result: "r", input_token_count: -2 },
      "`input_token_count` must be at least 0, got -2",
    ],
    [
      "an id that is not a uuid4's hex",
      { type: "TextChunkEvent", token: "x", index: 0, id: "abc" },
      '`id` must be 32 lower-case hex characters (a uuid4 without dashes), got "abc"',
    ],
    ["a missing field", { type: "TextChunkEvent", index: 0 }, "`token` is required (expected string)"],
  ];
  it.each(cases)("%s", (_name, event, words) => {
    const { message } = refused(() => new EventBus().publishEvent(event as never));
    expect(message).toContain(words);
    expect(message).not.toMatch(/Invalid input|Too small|received /);
  });
});
