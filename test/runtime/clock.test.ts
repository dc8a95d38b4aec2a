import { describe, expect, it } from "vitest";
import { formatIsoMicros, formatSystemTime, MicrosecondClock } from "../../src/runtime/clock.js";

describe("clock", () => {
  it("formats epoch microseconds as ISO 8601 with six fraction digits and Z", () => {
    expect(formatIsoMicros(1726096542834783)).toBe("2024-09-11T23:15:42.834783Z");
    expect(formatIsoMicros(1726096542000001)).toBe("2024-09-11T23:15:42.000001Z");
    expect(formatIsoMicros(1726096542999000)).toBe("2024-09-11T23:15:42.999000Z");
  });

  it("formats SYSTEM payload times as UTC seconds without a zone", () => {
    expect(formatSystemTime(new Date(Date.UTC(2024, 8, 11, 23, 15, 47, 999)))).toBe("2024-09-11T23:15:47");
    expect(formatSystemTime()).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  });

  it("never repeats nor goes back, even within one millisecond", () => {
    const clock = new MicrosecondClock();
    const values = Array.from({ length: 5000 }, () => clock.now());
    for (let i = 1; i < values.length; i++)
      expect(values[i]).toBeGreaterThan(values[i - 1] ?? Number.POSITIVE_INFINITY);
    expect(Math.abs((values[0] ?? 0) / 1000 - Date.now())).toBeLessThan(1000);
  });
});
