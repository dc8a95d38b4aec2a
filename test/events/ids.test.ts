import { describe, expect, it } from "vitest";
import { newEventId, nowSeconds } from "../../src/events/ids.js";

describe("newEventId", () => {
  it("is 32 lower-case hex characters", () => {
    for (let i = 0; i < 1000; i++) expect(newEventId()).toMatch(/^[0-9a-f]{32}$/);
  });

  it("carries the uuid4 version and RFC 4122 variant nibbles", () => {
    for (let i = 0; i < 1000; i++) {
      const id = newEventId();
      // xxxxxxxx xxxx 4xxx [89ab]xxx xxxxxxxxxxxx, without dashes.
      expect(id[12]).toBe("4");
      expect("89ab").toContain(id[16]);
      const dashed = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
      expect(dashed).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it("gives 10,000 unique ids across several refills of its buffer", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) ids.add(newEventId());
    expect(ids.size).toBe(10_000);
  });

  it("is not trivially patterned: every hex digit appears in the random positions", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) for (const c of newEventId().slice(0, 12)) seen.add(c);
    expect(seen.size).toBe(16);
  });
});

describe("nowSeconds", () => {
  it("is float epoch seconds", () => {
    const before = Date.now() / 1000;
    const t = nowSeconds();
    const after = Date.now() / 1000;
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(after);
  });
});
