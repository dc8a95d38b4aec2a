import { describe, expect, it } from "vitest";
import { EventBus, EventListener, MemoryEventListenerDriver } from "../../src/index.js";

function setup() {
  const bus = new EventBus();
  const driver = new MemoryEventListenerDriver();
  bus.addEventListener(new EventListener({ driver }));
  return { bus, driver };
}

describe("MemoryEventListenerDriver", () => {
  it("records events in publish order, as serialised", () => {
    const { bus, driver } = setup();
    const a = bus.publishEvent({ type: "TextChunkEvent", token: "a" });
    const b = bus.publishEvent({ type: "MyEvent", n: 1 });
    expect(driver.records).toEqual([a, b]);
    expect(driver.events.map((e) => e.type)).toEqual(["TextChunkEvent", "MyEvent"]);
    expect(driver.events[1]).toMatchObject({ type: "MyEvent", n: 1, id: b.id, timestamp: b.timestamp, meta: {} });
  });

  it("returns fresh copies of events on every read", () => {
    const { bus, driver } = setup();
    bus.publishEvent({ type: "MyEvent", nested: { x: 1 } });
    const first = driver.events;
    expect(driver.events).not.toBe(first);
    expect(driver.events[0]).not.toBe(first[0]);
    (first[0] as unknown as { nested: { x: number } }).nested.x = 99;
    first.length = 0;
    expect(driver.events).toHaveLength(1);
    expect((driver.events[0] as unknown as { nested: { x: number } }).nested.x).toBe(1);
  });

  it("clear forgets what was recorded and keeps recording", () => {
    const { bus, driver } = setup();
    bus.publishEvent({ type: "A" });
    bus.publishEvent({ type: "B" });
    driver.clear();
    expect(driver.events).toEqual([]);
    expect(driver.records).toHaveLength(0);
    bus.publishEvent({ type: "C" });
    expect(driver.events.map((e) => e.type)).toEqual(["C"]);
  });

  it("flush reports what it holds and never pends or fails", async () => {
    const { bus, driver } = setup();
    expect(await driver.flush()).toEqual({ sent: 0, failed: 0, dropped: 0, pending: 0 });
    bus.publishEvent({ type: "A" });
    bus.publishEvent({ type: "B" });
    expect(await driver.flush()).toEqual({ sent: 2, failed: 0, dropped: 0, pending: 0 });
    expect(await bus.flush()).toEqual({ sent: 2, failed: 0, dropped: 0, pending: 0 });
  });

  it("after shutdown, counts new events as dropped instead of recording them", async () => {
    const { bus, driver } = setup();
    bus.publishEvent({ type: "A" });
    expect(await driver.shutdown()).toEqual({ sent: 1, failed: 0, dropped: 0, pending: 0 });
    bus.publishEvent({ type: "B" });
    bus.publishEvent({ type: "C" });
    expect(driver.events.map((e) => e.type)).toEqual(["A"]);
    expect(await driver.flush()).toEqual({ sent: 1, failed: 0, dropped: 2, pending: 0 });
    // Idempotent.
    expect(await driver.shutdown()).toEqual({ sent: 1, failed: 0, dropped: 2, pending: 0 });
  });
});
