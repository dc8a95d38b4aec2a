import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeThrown, MAX_THROWN_TEXT_CHARS, quoteValue } from "../src/describe-value.js";
import { HOSTILE_VALUES, thrownValue } from "./support/hostile-values.js";

describe("describeThrown", () => {
  it("never throws, and always gives bounded, non-empty text (property)", () => {
    fc.assert(
      fc.property(thrownValue, (make) => {
        const { message, detail } = describeThrown(make());
        for (const text of [message, detail]) {
          expect(typeof text).toBe("string");
          expect(text.length).toBeGreaterThan(0);
          expect(text.length).toBeLessThan(MAX_THROWN_TEXT_CHARS + 100);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it.each(Object.keys(HOSTILE_VALUES))("describes the hostile value %s", (name) => {
    expect(() => describeThrown(HOSTILE_VALUES[name]!())).not.toThrow();
  });

  it("an Error: its message, and Node's rendering with the stack and cause", () => {
    const { message, detail } = describeThrown(new Error("boom", { cause: new Error("root") }));
    expect(message).toBe("boom");
    expect(detail).toContain("Error: boom");
    expect(detail).toContain("root");
  });

  it("a string is the message itself; anything else says it is not an Error", () => {
    expect(describeThrown("plain").message).toBe("plain");
    expect(describeThrown(undefined).message).toBe("undefined (thrown, not an Error)");
    expect(describeThrown({ code: 4 }).message).toBe('{"code":4} (thrown, not an Error)');
    expect(describeThrown(Object.assign(Object.create(null), { n: 1n })).message).toBe(
      '{"n":"1n"} (thrown, not an Error)',
    );
  });

  it("the stderr detail of a thrown string says it is not an Error (no `Error:` that claims one was thrown)", () => {
    const { message, detail } = describeThrown("a string");
    expect(message).toBe("a string");
    expect(detail).toBe('"a string" (thrown, not an Error)');
    expect(detail).not.toMatch(/^Error:/);
    expect(describeThrown("line\nbreak\u001b[2J").detail).toBe('"line\\nbreak\\u001b[2J" (thrown, not an Error)');
    expect(describeThrown(undefined).detail).toBe("undefined (thrown, not an Error)");
  });

  it("an Error whose getters throw is still an Error, named by what can be read", () => {
    const { message } = describeThrown(HOSTILE_VALUES["error-with-throwing-getters"]!());
    expect(message).toBe("Error");
  });

  it("cuts a huge message, saying how much was cut", () => {
    const { message } = describeThrown("x".repeat(MAX_THROWN_TEXT_CHARS + 10));
    expect(message).toMatch(/… \(10 more characters\)$/);
  });
});

describe("quoteValue", () => {
  it("quotes strings with control characters escaped, cut to the limit", () => {
    expect(quoteValue("a\nb\u001b[31m")).toBe('"a\\nb\\u001b[31m"');
    expect(quoteValue("x".repeat(100), 5)).toBe('"xxxxx…"');
  });

  it("never throws, whatever the value (property)", () => {
    fc.assert(
      fc.property(thrownValue, (make) => {
        expect(typeof quoteValue(make())).toBe("string");
      }),
      { numRuns: 500 },
    );
  });
});
