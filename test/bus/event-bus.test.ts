import { describe, expect, it } from "vitest";
import {
  type DeliveryReport,
  type Event,
  EventBus,
  EventListener,
  type EventListenerDriver,
  InvalidEventError,
  type InvalidEventReason,
  ListenerError,
  MemoryEventListenerDriver,
  type SerializedEvent,
  toArtifact,
} from "../../src/index.js";
import { refused } from "../support/refused.js";

const HEX32 = /^[0-9a-f]{32}$/;

function setup(options: ConstructorParameters<typeof EventBus>[0] = {}) {
  const bus = new EventBus(options);
  const driver = new MemoryEventListenerDriver();
  bus.addEventListener(new EventListener({ driver }));
  return { bus, driver };
}

/** A driver that records and counts calls, with optional faults and a size limit. */
class TestDriver implements EventListenerDriver {
  readonly received: SerializedEvent[] = [];
  flushCalls = 0;
  shutdownCalls = 0;
  readonly maxEventBytes: number | undefined;
  readonly #fault: "none" | "publish" | "reject" | "throw";

  constructor(options: { maxEventBytes?: number; fault?: "none" | "publish" | "reject" | "throw" } = {}) {
    this.maxEventBytes = options.maxEventBytes;
    this.#fault = options.fault ?? "none";
  }

  publishEvent(event: SerializedEvent): void {
    if (this.#fault === "publish") throw new Error("driver publish failed");
    this.received.push(event);
  }

  flush(): Promise<DeliveryReport> {
    this.flushCalls++;
    if (this.#fault === "throw") throw new Error("flush threw synchronously");
    if (this.#fault === "reject") return Promise.reject(new Error("flush rejected"));
    return Promise.resolve({ sent: this.received.length, failed: 0, dropped: 0, pending: 0 });
  }

  shutdown(): Promise<DeliveryReport> {
    this.shutdownCalls++;
    if (this.#fault === "throw") throw new Error("shutdown threw synchronously");
    if (this.#fault === "reject") return Promise.reject(new Error("shutdown rejected"));
    return Promise.resolve({ sent: this.received.length, failed: 0, dropped: 0, pending: 0 });
  }
}

describe("EventBus: completing events", () => {
  it("fills id, timestamp and meta, in Python key order before the fields", () => {
    const { bus, driver } = setup();
    const before = Date.now() / 1000;
    const returned = bus.publishEvent({ type: "MyEvent", foo: 1, bar: "x" });
    const after = Date.now() / 1000;
    const [event] = driver.events;
    expect(Object.keys(event!)).toEqual(["type", "id", "timestamp", "meta", "foo", "bar"]);
    expect(event!.id).toMatch(HEX32);
    expect(event!.timestamp).toBeGreaterThanOrEqual(before - 0.001);
    expect(event!.timestamp).toBeLessThanOrEqual(after + 0.001);
    expect(event!.meta).toEqual({});
    expect(returned.type).toBe("MyEvent");
    expect(returned.id).toBe(event!.id);
    expect(returned.timestamp).toBe(event!.timestamp);
  });

  it("writes the timestamp as float seconds, not milliseconds", () => {
    const { bus } = setup();
    const { timestamp } = bus.publishEvent({ type: "MyEvent" });
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(5);
    // Date.now() has millisecond resolution, so the seconds usually have a fraction; at least they may.
    expect(JSON.stringify(timestamp)).toMatch(/^\d{10}(\.\d+)?$/);
  });

  it("gives each event its own id", () => {
    const { bus } = setup();
    const ids = new Set(Array.from({ length: 500 }, () => bus.publishEvent({ type: "MyEvent" }).id));
    expect(ids.size).toBe(500);
  });

  it("puts the base fields first whatever order the caller wrote them in", () => {
    const { bus, driver } = setup();
    bus.publishEvent({ z: 1, meta: { m: 1 }, a: 2, type: "MyEvent" } as never);
    bus.publishEvent({ token: "t", type: "TextChunkEvent", meta: { m: 2 } });
    expect(driver.records[0]!.json).toMatch(
      /^\{"type":"MyEvent","id":"[0-9a-f]{32}","timestamp":[\d.]+,"meta":\{"m":1\},"z":1,"a":2\}$/,
    );
    expect(Object.keys(driver.events[1]!)).toEqual(["type", "id", "timestamp", "meta", "index", "token"]);
  });

  it("keeps the id, timestamp and meta the caller gave", () => {
    const { bus, driver } = setup();
    const returned = bus.publishEvent({
      type: "TextChunkEvent",
      id: "4f0c3d2e9b8a4c6d8e7f1a2b3c4d5e6f",
      timestamp: 1726096550.1,
      meta: { run: "r1" },
      token: "Hel",
    });
    expect(driver.records[0]!.json).toBe(
      '{"type":"TextChunkEvent","id":"4f0c3d2e9b8a4c6d8e7f1a2b3c4d5e6f","timestamp":1726096550.1,"meta":{"run":"r1"},"index":0,"token":"Hel"}',
    );
    expect(returned.id).toBe("4f0c3d2e9b8a4c6d8e7f1a2b3c4d5e6f");
    expect(returned.timestamp).toBe(1726096550.1);
  });

  it("treats id, timestamp or meta given as undefined as absent", () => {
    const { bus, driver } = setup();
    bus.publishEvent({ type: "MyEvent", id: undefined, timestamp: undefined, meta: undefined, x: 1 });
    const [event] = driver.events;
    expect(event!.id).toMatch(HEX32);
    expect(typeof event!.timestamp).toBe("number");
    expect(event!.meta).toEqual({});
    expect(Object.keys(event!)).toEqual(["type", "id", "timestamp", "meta", "x"]);
  });

  it("fills a FinishStructureRunEvent's defaults with null", () => {
    const { bus, driver } = setup();
    bus.publishEvent({ type: "FinishStructureRunEvent" });
    const [event] = driver.events;
    expect(Object.keys(event!)).toEqual([
      "type",
      "id",
      "timestamp",
      "meta",
      "structure_id",
      "output_task_input",
      "output_task_output",
    ]);
    expect(event).toMatchObject({ structure_id: null, output_task_input: null, output_task_output: null });
  });

  it("fills a StartStructureRunEvent's defaults with null", () => {
    const { bus, driver } = setup();
    const input = toArtifact("hi");
    bus.publishEvent({ type: "StartStructureRunEvent", input_task_input: input });
    expect(driver.events[0]).toMatchObject({ structure_id: null, input_task_input: input, input_task_output: null });
  });

  it("defaults a TextChunkEvent's index to 0 and keeps a given one", () => {
    const { bus, driver } = setup();
    bus.publishEvent({ type: "TextChunkEvent", token: "a" });
    bus.publishEvent({ type: "TextChunkEvent", token: "b", index: 3 });
    expect(driver.events.map((e) => (e.type === "TextChunkEvent" ? [e.index, e.token] : []))).toEqual([
      [0, "a"],
      [3, "b"],
    ]);
  });

  it("fills the defaults of the other known events", () => {
    const { bus, driver } = setup();
    const input = toArtifact("in");
    bus.publishEvent({ type: "StartTaskEvent", task_id: "t1", task_input: input });
    bus.publishEvent({ type: "ActionChunkEvent" });
    bus.publishEvent({ type: "FinishPromptEvent", model: "m", result: "r" });
    const [task, action, prompt] = driver.events;
    expect(task).toMatchObject({
      task_id: "t1",
      task_parent_ids: [],
      task_child_ids: [],
      task_input: input,
      task_output: null,
    });
    expect(Object.keys(action!).slice(4)).toEqual(["index", "partial_input", "tag", "name", "path"]);
    expect(action).toMatchObject({ index: 0, partial_input: null, tag: null, name: null, path: null });
    expect(prompt).toMatchObject({ model: "m", result: "r", input_token_count: null, output_token_count: null });
  });

  it("refuses an extra field on a known event (the Python reader would fail on it), naming it and meta", () => {
    const { bus, driver } = setup();
    const error = refused(() => bus.publishEvent({ extra: { a: 1 }, token: "t", type: "TextChunkEvent" } as never));
    expect(error.reason).toBe("unknown_field");
    expect(error.message).toContain('"extra"');
    expect(error.message).toContain("`meta`");
    expect(driver.events).toEqual([]);
  });

  it("sends a custom event as given", () => {
    const { bus, driver } = setup();
    const fields = {
      nested: { list: [1, "two", null, { three: true }], empty: {} },
      text: 'héllo \u2028 "quoted" 😀',
      zero: 0,
      nothing: null,
    };
    bus.publishEvent({ type: "MyCustomEvent", ...fields });
    const [event] = driver.events;
    const { type, id, timestamp, meta, ...rest } = event!;
    expect(type).toBe("MyCustomEvent");
    expect(id).toMatch(HEX32);
    expect(typeof timestamp).toBe("number");
    expect(meta).toEqual({});
    expect(rest).toEqual(fields);
    expect(JSON.stringify(rest)).toBe(JSON.stringify(fields));
  });

  it("drops undefined fields like JSON does", () => {
    const { bus, driver } = setup();
    bus.publishEvent({ type: "MyEvent", gone: undefined, kept: 1 });
    expect(driver.events[0]).not.toHaveProperty("gone");
    expect(driver.events[0]).toHaveProperty("kept", 1);
  });
});

describe("EventBus: refusing bad input", () => {
  const cyclic = () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    return a;
  };

  const cases: [string, () => unknown, InvalidEventReason, (string | number)[]?][] = [
    ["null", () => null, "not_object"],
    ["undefined", () => undefined, "not_object"],
    ["a string", () => "TextChunkEvent", "not_object"],
    ["a number", () => 42, "not_object"],
    ["an array", () => [{ type: "MyEvent" }], "not_object"],
    ["no type", () => ({ token: "x" }), "missing_type", ["type"]],
    ["an empty type", () => ({ type: "" }), "missing_type", ["type"]],
    ["a non-string type", () => ({ type: 5 }), "missing_type", ["type"]],
    ["a cycle", () => ({ type: "MyEvent", a: cyclic() }), "cycle", ["a", "self"]],
    ["a cycle in meta", () => ({ type: "TextChunkEvent", token: "t", meta: cyclic() }), "cycle", ["meta", "self"]],
    [
      "a cycle inside a known event's artifact",
      () => ({
        type: "FinishStructureRunEvent",
        output_task_output: {
          type: "TextArtifact",
          id: "6b2c3d4e5f60718293a4b5c6d7e8f90a",
          reference: null,
          meta: cyclic(),
          name: "n",
          value: "v",
        },
      }),
      "cycle",
    ],
    ["a BigInt", () => ({ type: "MyEvent", n: 1n }), "bigint", ["n"]],
    ["a nested BigInt", () => ({ type: "MyEvent", deep: { arr: [1, 2n] } }), "bigint", ["deep", "arr", 1]],
    ["a BigInt in a known event's meta", () => ({ type: "TextChunkEvent", token: "t", meta: { n: 1n } }), "bigint"],
    ["an extra field on a known event", () => ({ type: "TextChunkEvent", token: "t", x: 1n }), "unknown_field", ["x"]],
    ["a function", () => ({ type: "MyEvent", f: () => 1 }), "function", ["f"]],
    ["a symbol", () => ({ type: "MyEvent", s: Symbol("s") }), "symbol", ["s"]],
    ["NaN", () => ({ type: "MyEvent", n: Number.NaN }), "non_finite_number", ["n"]],
    ["Infinity", () => ({ type: "MyEvent", n: Number.POSITIVE_INFINITY }), "non_finite_number", ["n"]],
    ["-Infinity in an array", () => ({ type: "MyEvent", n: [Number.NEGATIVE_INFINITY] }), "non_finite_number"],
    ["a Map", () => ({ type: "MyEvent", m: new Map([["a", 1]]) }), "unsupported_value", ["m"]],
    ["a Set", () => ({ type: "MyEvent", s: new Set([1]) }), "unsupported_value", ["s"]],
    ["a wrong field type on a known event", () => ({ type: "TextChunkEvent", token: 5 }), "schema", ["token"]],
    ["a missing required field", () => ({ type: "TextChunkEvent" }), "schema", ["token"]],
    ["a negative index", () => ({ type: "TextChunkEvent", token: "t", index: -1 }), "schema", ["index"]],
    ["a NaN index", () => ({ type: "TextChunkEvent", token: "t", index: Number.NaN }), "non_finite_number", ["index"]],
    [
      "a non-artifact output",
      () => ({ type: "FinishStructureRunEvent", output_task_output: "Hello" }),
      "schema",
      ["output_task_output"],
    ],
    ["a bad id (dashes)", () => ({ type: "MyEvent", id: "4f0c3d2e-9b8a-4c6d-8e7f-1a2b3c4d5e6f" }), "schema", ["id"]],
    ["a bad id (upper case)", () => ({ type: "MyEvent", id: "4F0C3D2E9B8A4C6D8E7F1A2B3C4D5E6F" }), "schema", ["id"]],
    ["a bad id (number)", () => ({ type: "TextChunkEvent", token: "t", id: 7 }), "schema", ["id"]],
    ["a negative timestamp", () => ({ type: "MyEvent", timestamp: -1 }), "schema", ["timestamp"]],
    ["a NaN timestamp", () => ({ type: "MyEvent", timestamp: Number.NaN }), "non_finite_number", ["timestamp"]],
    ["a string timestamp", () => ({ type: "TextChunkEvent", token: "t", timestamp: "now" }), "schema", ["timestamp"]],
    ["an array meta", () => ({ type: "MyEvent", meta: [] }), "schema", ["meta"]],
    ["a null meta", () => ({ type: "MyEvent", meta: null }), "schema", ["meta"]],
  ];

  it.each(cases)("refuses %s and loses or adds nothing", (_, make, reason, path) => {
    const observed: string[] = [];
    const { bus, driver } = setup();
    bus.addEventListener(new EventListener({ onEvent: (e) => void observed.push(e.type) }));
    bus.publishEvent({ type: "Before1", n: 1 });
    bus.publishEvent({ type: "TextChunkEvent", token: "before2" });
    const before = driver.records.map((r) => r.json);

    const error = refused(() => bus.publishEvent(make() as never));
    expect(error.reason).toBe(reason);
    expect(error.message.length).toBeGreaterThan(0);
    if (path !== undefined) expect(error.issues.map((i) => i.path)).toContainEqual(path);

    expect(driver.records.map((r) => r.json)).toEqual(before);
    expect(observed).toEqual(["Before1", "TextChunkEvent"]);

    // The bus still works afterwards.
    bus.publishEvent({ type: "After" });
    expect(driver.events.map((e) => e.type)).toEqual(["Before1", "TextChunkEvent", "After"]);
  });

  it("reports the failing path of a schema error inside an artifact", () => {
    const { bus } = setup();
    const error = refused(() =>
      bus.publishEvent({
        type: "FinishStructureRunEvent",
        output_task_output: {
          type: "TextArtifact",
          id: "6b2c3d4e5f60718293a4b5c6d7e8f90a",
          reference: null,
          meta: {},
          name: "n",
          value: 5,
        },
      } as never),
    );
    expect(error.reason).toBe("schema");
    expect(error.issues.length).toBeGreaterThan(0);
    expect(error.issues.every((i) => i.path[0] === "output_task_output")).toBe(true);
  });

  it("refuses a wrong field type for a known event at compile time too", () => {
    const { bus } = setup();
    // @ts-expect-error token must be a string for a TextChunkEvent
    expect(() => bus.publishEvent({ type: "TextChunkEvent", token: 5 })).toThrow(InvalidEventError);
  });
});

describe("EventBus: snapshot at publish", () => {
  it("is unaffected by later mutation of the caller's object, nested objects included", () => {
    const { bus, driver } = setup();
    const input = { type: "MyEvent", list: [1, 2], nested: { deep: { v: "a" } }, meta: { m: 1 } };
    const returned = bus.publishEvent(input);
    const recorded = driver.records[0]!.json;
    expect(returned.json).toBe(recorded);

    input.list.push(3);
    input.nested.deep.v = "changed";
    input.meta.m = 2;
    input.type = "Other";
    (input as Record<string, unknown>).added = true;

    expect(driver.records[0]!.json).toBe(recorded);
    expect(driver.events[0]).toMatchObject({
      type: "MyEvent",
      list: [1, 2],
      nested: { deep: { v: "a" } },
      meta: { m: 1 },
    });
    expect(driver.events[0]).not.toHaveProperty("added");
    expect(returned.json).toBe(recorded);
  });

  it("is unaffected by later mutation of an artifact in a known event", () => {
    const { bus, driver } = setup();
    const artifact = {
      type: "TextArtifact" as const,
      id: "6b2c3d4e5f60718293a4b5c6d7e8f90a",
      reference: null,
      meta: { k: 1 },
      name: "n",
      value: "Hello",
    };
    const returned = bus.publishEvent({ type: "FinishStructureRunEvent", output_task_output: artifact });
    const recorded = driver.records[0]!.json;
    artifact.value = "changed";
    artifact.meta.k = 2;
    expect(driver.records[0]!.json).toBe(recorded);
    expect(returned.json).toBe(recorded);
    expect(driver.events[0]).toMatchObject({ output_task_output: { value: "Hello", meta: { k: 1 } } });
  });

  it("hands the same snapshot to every listener's driver", () => {
    const bus = new EventBus();
    const d1 = new MemoryEventListenerDriver();
    const d2 = new MemoryEventListenerDriver();
    bus.addEventListener(new EventListener({ driver: d1 }));
    bus.addEventListener(new EventListener({ driver: d2 }));
    const returned = bus.publishEvent({ type: "MyEvent" });
    expect(d1.records[0]).toBe(returned);
    expect(d2.records[0]).toBe(returned);
  });
});

describe("EventBus: listeners", () => {
  it("filters by eventTypes", () => {
    const bus = new EventBus();
    const onlyChunks = new MemoryEventListenerDriver();
    const everything = new MemoryEventListenerDriver();
    bus.addEventListener(new EventListener({ eventTypes: ["TextChunkEvent", "MyEvent"], driver: onlyChunks }));
    bus.addEventListener(new EventListener({ driver: everything }));
    bus.publishEvent({ type: "TextChunkEvent", token: "a" });
    bus.publishEvent({ type: "FinishStructureRunEvent" });
    bus.publishEvent({ type: "MyEvent" });
    bus.publishEvent({ type: "Other" });
    expect(onlyChunks.events.map((e) => e.type)).toEqual(["TextChunkEvent", "MyEvent"]);
    expect(everything.events.map((e) => e.type)).toEqual([
      "TextChunkEvent",
      "FinishStructureRunEvent",
      "MyEvent",
      "Other",
    ]);
  });

  it("an empty eventTypes list receives nothing", () => {
    const bus = new EventBus();
    const driver = new MemoryEventListenerDriver();
    bus.addEventListener(new EventListener({ eventTypes: [], driver }));
    bus.publishEvent({ type: "MyEvent" });
    expect(driver.events).toEqual([]);
  });

  it("a transform changes what its own driver gets and nothing else", () => {
    const bus = new EventBus();
    const transformed = new MemoryEventListenerDriver();
    const plain = new MemoryEventListenerDriver();
    bus.addEventListener(
      new EventListener({
        driver: transformed,
        onEvent: (event) => {
          // Mutating the event it was given must not leak to other listeners.
          const e = event as Event & { token: string };
          e.token = e.token.toUpperCase();
          e.meta.transformed = true;
          return e;
        },
      }),
    );
    bus.addEventListener(new EventListener({ driver: plain }));
    const returned = bus.publishEvent({ type: "TextChunkEvent", token: "hel" });

    expect(transformed.events[0]).toMatchObject({ type: "TextChunkEvent", token: "HEL", meta: { transformed: true } });
    expect(transformed.events[0]!.id).toBe(returned.id);
    expect(transformed.events[0]!.timestamp).toBe(returned.timestamp);
    expect(plain.records[0]).toBe(returned);
    expect(plain.events[0]).toMatchObject({ token: "hel", meta: {} });
    expect(JSON.parse(returned.json)).toMatchObject({ token: "hel", meta: {} });
  });

  it("a transform may return a new event of another type", () => {
    const bus = new EventBus();
    const driver = new MemoryEventListenerDriver();
    bus.addEventListener(new EventListener({ driver, onEvent: (e) => ({ type: "Wrapped", inner: e.type }) }));
    bus.publishEvent({ type: "MyEvent" });
    expect(driver.events[0]).toMatchObject({ type: "Wrapped", inner: "MyEvent", meta: {} });
    expect(driver.events[0]!.id).toMatch(HEX32);
  });

  it.each([
    ["undefined", () => undefined],
    ["null", () => null],
    ["nothing (an observer)", () => {}],
  ])("an onEvent returning %s drops the event for its listener only", (_, onEvent) => {
    const bus = new EventBus();
    const dropped = new MemoryEventListenerDriver();
    const other = new MemoryEventListenerDriver();
    let calls = 0;
    bus.addEventListener(
      new EventListener({
        driver: dropped,
        onEvent: () => {
          calls++;
          return onEvent();
        },
      }),
    );
    bus.addEventListener(new EventListener({ driver: other }));
    bus.publishEvent({ type: "MyEvent" });
    expect(calls).toBe(1);
    expect(dropped.events).toEqual([]);
    expect(other.events.map((e) => e.type)).toEqual(["MyEvent"]);
  });

  it("reports a throwing onEvent as a ListenerError and still delivers to other listeners", () => {
    const errors: ListenerError[] = [];
    const bus = new EventBus({ onListenerError: (e) => errors.push(e) });
    const failing = new MemoryEventListenerDriver();
    const before = new MemoryEventListenerDriver();
    const after = new MemoryEventListenerDriver();
    const boom = new Error("boom");
    bus.addEventListener(new EventListener({ driver: before }));
    bus.addEventListener(
      new EventListener({
        driver: failing,
        onEvent: () => {
          throw boom;
        },
      }),
    );
    bus.addEventListener(new EventListener({ driver: after }));

    let returned: SerializedEvent | undefined;
    expect(() => {
      returned = bus.publishEvent({ type: "MyEvent" });
    }).not.toThrow();

    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ListenerError);
    expect(errors[0]!.code).toBe("ERR_LISTENER");
    expect(errors[0]!.eventType).toBe("MyEvent");
    expect(errors[0]!.eventId).toBe(returned!.id);
    expect(errors[0]!.cause).toBe(boom);
    expect(failing.events).toEqual([]);
    expect(before.events.map((e) => e.type)).toEqual(["MyEvent"]);
    expect(after.events.map((e) => e.type)).toEqual(["MyEvent"]);
  });

  it.each([
    ["a known event with a wrong field", () => ({ type: "TextChunkEvent", token: 5 })],
    ["an event without a type", () => ({ token: "x" })],
    ["a string", () => "not an event"],
    ["a number", () => 5],
    ["a promise", () => Promise.resolve({ type: "MyEvent" })],
    [
      "an event with a BigInt",
      () => ({
        type: "MyEvent",
        n: 1n,
      }),
    ],
  ])("reports an onEvent returning %s as a ListenerError", (_, result) => {
    const errors: ListenerError[] = [];
    const bus = new EventBus({ onListenerError: (e) => errors.push(e) });
    const bad = new MemoryEventListenerDriver();
    const good = new MemoryEventListenerDriver();
    bus.addEventListener(new EventListener({ driver: bad, onEvent: result as never }));
    bus.addEventListener(new EventListener({ driver: good }));
    expect(() => bus.publishEvent({ type: "TextChunkEvent", token: "ok" })).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ListenerError);
    expect(errors[0]!.code).toBe("ERR_LISTENER");
    expect(errors[0]!.eventType).toBe("TextChunkEvent");
    expect(bad.events).toEqual([]);
    expect(good.events.map((e) => e.type)).toEqual(["TextChunkEvent"]);
  });

  it("does not let an onListenerError that throws reach the publisher", () => {
    const bus = new EventBus({
      onListenerError: () => {
        throw new Error("handler failed");
      },
    });
    const good = new MemoryEventListenerDriver();
    bus.addEventListener(
      new EventListener({
        onEvent: () => {
          throw new Error("boom");
        },
      }),
    );
    bus.addEventListener(new EventListener({ driver: good }));
    expect(() => bus.publishEvent({ type: "MyEvent" })).not.toThrow();
    expect(good.events).toHaveLength(1);
  });

  it("reports a driver whose publishEvent throws and keeps publishing", () => {
    const errors: ListenerError[] = [];
    const bus = new EventBus({ onListenerError: (e) => errors.push(e) });
    const broken = new TestDriver({ fault: "publish" });
    const good = new MemoryEventListenerDriver();
    bus.addEventListener(new EventListener({ driver: broken }));
    bus.addEventListener(new EventListener({ driver: good }));
    expect(() => bus.publishEvent({ type: "A" })).not.toThrow();
    expect(() => bus.publishEvent({ type: "B" })).not.toThrow();
    expect(good.events.map((e) => e.type)).toEqual(["A", "B"]);
    expect(errors.map((e) => [e.code, e.eventType])).toEqual([
      ["ERR_LISTENER", "A"],
      ["ERR_LISTENER", "B"],
    ]);
    expect(errors.every((e) => e instanceof ListenerError)).toBe(true);
  });
});

describe("EventBus: flush and shutdown", () => {
  it("flushes a driver whose listener filters out every published type", async () => {
    const bus = new EventBus();
    const driver = new TestDriver();
    bus.addEventListener(new EventListener({ eventTypes: ["NeverPublished"], driver }));
    bus.publishEvent({ type: "MyEvent" });
    expect(driver.received).toEqual([]);
    await bus.flush();
    expect(driver.flushCalls).toBe(1);
  });

  it("flushes a driver shared by several listeners once", async () => {
    const bus = new EventBus();
    const shared = new TestDriver();
    const other = new TestDriver();
    bus.addEventListener(new EventListener({ driver: shared }));
    bus.addEventListener(new EventListener({ driver: shared, eventTypes: ["A"] }));
    bus.addEventListener(new EventListener({ driver: other }));
    bus.addEventListener(new EventListener({ onEvent: () => {} }));
    await bus.flush();
    expect(shared.flushCalls).toBe(1);
    expect(other.flushCalls).toBe(1);
    await bus.shutdown();
    expect(shared.shutdownCalls).toBe(1);
    expect(other.shutdownCalls).toBe(1);
  });

  it("sums the drivers' reports", async () => {
    const bus = new EventBus();
    const d1 = new MemoryEventListenerDriver();
    const d2 = new MemoryEventListenerDriver();
    bus.addEventListener(new EventListener({ driver: d1 }));
    bus.addEventListener(new EventListener({ driver: d2, eventTypes: ["A"] }));
    bus.publishEvent({ type: "A" });
    bus.publishEvent({ type: "B" });
    expect(await bus.flush()).toEqual({ sent: 3, failed: 0, dropped: 0, pending: 0 });
  });

  it("never rejects when a driver's flush or shutdown rejects", async () => {
    const bus = new EventBus();
    const good = new MemoryEventListenerDriver();
    bus.addEventListener(new EventListener({ driver: new TestDriver({ fault: "reject" }) }));
    bus.addEventListener(new EventListener({ driver: good }));
    bus.publishEvent({ type: "A" });
    await expect(bus.flush()).resolves.toMatchObject({ sent: 1 });
    await expect(bus.flush({ timeoutMs: 10 })).resolves.toMatchObject({ sent: 1 });
    await expect(bus.shutdown()).resolves.toMatchObject({ sent: 1 });
  });

  it("never rejects when a driver's flush or shutdown throws synchronously", async () => {
    const bus = new EventBus();
    const good = new MemoryEventListenerDriver();
    bus.addEventListener(new EventListener({ driver: new TestDriver({ fault: "throw" }) }));
    bus.addEventListener(new EventListener({ driver: good }));
    bus.publishEvent({ type: "A" });
    await expect(bus.flush()).resolves.toMatchObject({ sent: 1 });
    await expect(bus.shutdown()).resolves.toMatchObject({ sent: 1 });
  });

  it("after shutdown, a MemoryEventListenerDriver counts drops and publishEvent still does not throw", async () => {
    const { bus, driver } = setup();
    bus.publishEvent({ type: "A" });
    expect(await bus.shutdown()).toEqual({ sent: 1, failed: 0, dropped: 0, pending: 0 });
    expect(() => bus.publishEvent({ type: "B" })).not.toThrow();
    expect(() => bus.publishEvent({ type: "C" })).not.toThrow();
    expect(driver.events.map((e) => e.type)).toEqual(["A"]);
    expect(await bus.flush()).toEqual({ sent: 1, failed: 0, dropped: 2, pending: 0 });
    // Idempotent.
    expect(await bus.shutdown()).toEqual({ sent: 1, failed: 0, dropped: 2, pending: 0 });
  });
});

describe("EventBus: registrations", () => {
  it("remove() stops delivery", () => {
    const bus = new EventBus();
    const driver = new MemoryEventListenerDriver();
    const registration = bus.addEventListener(new EventListener({ driver }));
    expect(bus.eventListeners).toContain(registration.listener);
    bus.publishEvent({ type: "A" });
    registration.remove();
    expect(bus.eventListeners).not.toContain(registration.listener);
    bus.publishEvent({ type: "B" });
    registration.remove();
    expect(driver.events.map((e) => e.type)).toEqual(["A"]);
  });

  it("a `using` scope removes the listener at the end of the block", () => {
    const bus = new EventBus();
    const driver = new MemoryEventListenerDriver();
    {
      using registration = bus.addEventListener(new EventListener({ driver }));
      expect(bus.eventListeners).toContain(registration.listener);
      bus.publishEvent({ type: "Inside" });
    }
    expect(bus.eventListeners).toHaveLength(0);
    bus.publishEvent({ type: "Outside" });
    expect(driver.events.map((e) => e.type)).toEqual(["Inside"]);
  });

  it("Symbol.dispose removes the listener", () => {
    const bus = new EventBus();
    const driver = new MemoryEventListenerDriver();
    const registration = bus.addEventListener(new EventListener({ driver }));
    registration[Symbol.dispose]();
    bus.publishEvent({ type: "A" });
    expect(driver.events).toEqual([]);
  });

  it("adding the same listener twice delivers once", () => {
    const bus = new EventBus();
    const driver = new MemoryEventListenerDriver();
    const listener = new EventListener({ driver });
    bus.addEventListener(listener);
    bus.addEventListener(listener);
    bus.publishEvent({ type: "A" });
    expect(driver.events).toHaveLength(1);
    expect(bus.removeEventListener(listener)).toBe(true);
    expect(bus.removeEventListener(listener)).toBe(false);
  });

  it("a listener added during dispatch does not receive the current event, but receives the next", () => {
    const bus = new EventBus();
    const late = new MemoryEventListenerDriver();
    let added = false;
    bus.addEventListener(
      new EventListener({
        onEvent: () => {
          if (!added) {
            added = true;
            bus.addEventListener(new EventListener({ driver: late }));
          }
        },
      }),
    );
    bus.publishEvent({ type: "First" });
    expect(late.events).toEqual([]);
    bus.publishEvent({ type: "Second" });
    expect(late.events.map((e) => e.type)).toEqual(["Second"]);
  });
});

describe("EventBus: maxEventBytes", () => {
  it("refuses an event over a driver's limit before any listener receives it", () => {
    const bus = new EventBus();
    const unlimited = new MemoryEventListenerDriver();
    const limited = new TestDriver({ maxEventBytes: 100 });
    const observed: string[] = [];
    bus.addEventListener(new EventListener({ driver: unlimited }));
    bus.addEventListener(new EventListener({ onEvent: (e) => void observed.push(e.type) }));
    bus.addEventListener(new EventListener({ driver: limited }));

    const small = bus.publishEvent({ type: "S" });
    expect(small.bytes).toBeLessThanOrEqual(100);

    const error = refused(() => bus.publishEvent({ type: "Big", text: "x".repeat(200) }));
    expect(error.reason).toBe("too_large");

    expect(unlimited.events.map((e) => e.type)).toEqual(["S"]);
    expect(observed).toEqual(["S"]);
    expect(limited.received.map((e) => e.type)).toEqual(["S"]);
  });

  it("counts UTF-8 bytes, not characters", () => {
    const bus = new EventBus();
    const limited = new TestDriver({ maxEventBytes: 200 });
    bus.addEventListener(new EventListener({ driver: limited }));
    // About 150 characters but about 270 bytes.
    const error = refused(() => bus.publishEvent({ type: "Euro", text: "€".repeat(60) }));
    expect(error.reason).toBe("too_large");
    // About 150 characters and 150 bytes: fine.
    bus.publishEvent({ type: "Ascii", text: "e".repeat(60) });
    expect(limited.received.map((e) => e.type)).toEqual(["Ascii"]);
  });

  it("ignores the limit of a driver whose listener does not take the event's type", () => {
    const bus = new EventBus();
    const limited = new TestDriver({ maxEventBytes: 100 });
    const other = new MemoryEventListenerDriver();
    bus.addEventListener(new EventListener({ driver: limited, eventTypes: ["Small"] }));
    bus.addEventListener(new EventListener({ driver: other }));
    bus.publishEvent({ type: "Big", text: "x".repeat(200) });
    expect(other.events.map((e) => e.type)).toEqual(["Big"]);
    expect(limited.received).toEqual([]);
  });

  it("reports a transform that makes an event too large for its driver", () => {
    const errors: ListenerError[] = [];
    const bus = new EventBus({ onListenerError: (e) => errors.push(e) });
    const limited = new TestDriver({ maxEventBytes: 150 });
    bus.addEventListener(new EventListener({ driver: limited, onEvent: (e) => ({ ...e, pad: "x".repeat(300) }) }));
    expect(() => bus.publishEvent({ type: "S" })).not.toThrow();
    expect(limited.received).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.cause).toBeInstanceOf(InvalidEventError);
    expect((errors[0]!.cause as InvalidEventError).reason).toBe("too_large");
  });
});
