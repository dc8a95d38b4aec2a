import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { boundDelay, boundTimeout, MAX_TIMER_MS, timeoutOf } from "../src/delays.js";
import { throwingProxy } from "./support/hostile-values.js";

describe("boundDelay", () => {
  it("is always a whole number of ms that setTimeout honours (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double(), fc.integer(), fc.constantFrom(Number.NaN, 2 ** 31, 3e9, -1, Infinity)),
        (ms) => {
          const bounded = boundDelay(ms);
          expect(Number.isInteger(bounded)).toBe(true);
          expect(bounded).toBeGreaterThanOrEqual(0);
          expect(bounded).toBeLessThanOrEqual(MAX_TIMER_MS);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("keeps what is in range, and caps the rest", () => {
    expect(boundDelay(250)).toBe(250);
    expect(boundDelay(3_000_000_000)).toBe(MAX_TIMER_MS);
    expect(boundDelay(Number.POSITIVE_INFINITY)).toBe(MAX_TIMER_MS);
    expect(boundDelay(Number.NaN)).toBe(0);
    expect(boundDelay(-5)).toBe(0);
  });
});

describe("boundTimeout and timeoutOf", () => {
  it("a finite number is bounded; anything else is not given", () => {
    expect(boundTimeout(3e9)).toBe(MAX_TIMER_MS);
    expect(boundTimeout(-1)).toBe(0);
    for (const value of [undefined, null, Number.NaN, Number.POSITIVE_INFINITY, "100", {}]) {
      expect(boundTimeout(value)).toBeUndefined();
    }
  });

  it("reads options.timeoutMs without throwing, even from a hostile object", () => {
    expect(timeoutOf({ timeoutMs: 5 })).toBe(5);
    expect(timeoutOf(undefined)).toBeUndefined();
    expect(timeoutOf(throwingProxy())).toBeUndefined();
  });
});
