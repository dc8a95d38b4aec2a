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

describe("a listener that publishes for every event it gets", () => {
  it("is stopped at a bounded depth with ERR_PUBLISH_LOOP, said in full once, and the publisher is untouched", () => {
    const log = captureLogger();
    const bus = new EventBus({ logger: log.logger });
    const memory = new MemoryEventListenerDriver();
    bus.addEventListener(
      new EventListener({
        onEvent: (event) => {
          bus.publishEvent({ type: "Echoed" });
          return event;
        },
        driver: memory,
      }),
    );
    expect(() => bus.publishEvent({ type: "TextChunkEvent", token: "x", index: 0 })).not.toThrow();
    // 32 nested publishes (the original and 31 echoes); the innermost listener's own publish is refused, so its
    // onEvent throws and its event goes no further: 31 reach the driver.
    expect(memory.events).toHaveLength(31);
    const errors = log.entries(50);
    expect(errors).toHaveLength(1);
    expect(log.text()).toContain("ERR_PUBLISH_LOOP");
    expect(errors[0]?.msg).toMatch(/levels deep inside listeners' onEvent/);
    // The bus is usable afterwards: its depth went back to zero.
    bus.clearEventListeners();
    bus.addEventListener(new EventListener({ driver: memory }));
    bus.publishEvent({ type: "After" });
    expect(memory.events.at(-1)?.type).toBe("After");
  });
});
