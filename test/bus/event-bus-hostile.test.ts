/**
 * The bus against listeners that throw (or return) values that resist being read: the publisher never sees
 * them, and each is reported exactly once, even when the logger cannot serialise what was thrown.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventBus, EventListener, type ListenerError, MemoryEventListenerDriver } from "../../src/index.js";
import { captureLogger } from "../support/delivery-harness.js";
import { HOSTILE_VALUES, thrownValue } from "../support/hostile-values.js";

describe("listeners that throw anything", () => {
  it("every failure is logged once, with what was thrown, and the publisher is untouched (property)", () => {
    fc.assert(
      fc.property(thrownValue, fc.boolean(), (make, returnIt) => {
        const log = captureLogger();
        const bus = new EventBus({ logger: log.logger });
        const driver = new MemoryEventListenerDriver();
        bus.addEventListener(
          new EventListener({
            onEvent: () => {
              if (returnIt) return make() as object;
              throw make();
            },
          }),
        );
        bus.addEventListener(new EventListener({ driver }));
        expect(() => bus.publishEvent({ type: "A" })).not.toThrow();
        expect(driver.events.map((e) => e.type)).toEqual(["A"]);
        // A returned value may be a valid event (or nothing, which drops it): then nothing is reported.
        expect(log.entries(50).length).toBeLessThanOrEqual(1);
        if (!returnIt) expect(log.entries(50)).toHaveLength(1);
      }),
      { numRuns: 400 },
    );
  });

  it.each(Object.keys(HOSTILE_VALUES))("the thrown %s is described in the report's message", (name) => {
    const log = captureLogger();
    const bus = new EventBus({ logger: log.logger });
    bus.addEventListener(
      new EventListener({
        onEvent: () => {
          throw HOSTILE_VALUES[name]!();
        },
      }),
    );
    bus.publishEvent({ type: "A" });
    const [entry, ...more] = log.entries(50);
    expect(more).toEqual([]);
    expect(entry!.msg).toMatch(/^EventListener #1 failed: onEvent threw for A: ./);
  });

  it("an onListenerError handler gets the ListenerError with the thrown value as its cause", () => {
    const seen: ListenerError[] = [];
    const bus = new EventBus({ onListenerError: (error) => seen.push(error) });
    const thrown = Symbol("mine");
    bus.addEventListener(
      new EventListener({
        onEvent: () => {
          throw thrown;
        },
      }),
    );
    bus.publishEvent({ type: "A" });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.cause).toBe(thrown);
    expect(seen[0]!.message).toBe("onEvent threw for A: Symbol(mine) (thrown, not an Error)");
  });
});
