import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventBus, EventListener, InvalidEventError, MemoryEventListenerDriver, toArtifact } from "../../src/index.js";
import { refused } from "../support/refused.js";

// Values that throw when read, Proxies, keys with control characters, nesting deeper than the stack: whatever
// the input does, publishEvent throws InvalidEventError at the call site (or accepts the event), and nothing
// already published is lost or changed.

function setup() {
  const bus = new EventBus();
  const driver = new MemoryEventListenerDriver();
  bus.addEventListener(new EventListener({ driver }));
  bus.publishEvent({ type: "TextChunkEvent", token: "before" });
  bus.publishEvent({ type: "MyEvent", n: 1 });
  const before = driver.records.map((r) => r.json);
  /** Asserts that what was published before is intact, and that the bus still publishes. */
  const intact = (): void => {
    expect(driver.records.slice(0, before.length).map((r) => r.json)).toEqual(before);
    const after = bus.publishEvent({
      type: "StartPromptEvent",
      model: "m",
      prompt_stack: { messages: [{ role: "user", content: "still works" }] },
    });
    expect(driver.records.at(-1)).toBe(after);
  };
  return { bus, driver, before, intact };
}

const boom = new Error("boom when read");
function throwing<T extends object>(target: T, key: string): T {
  Object.defineProperty(target, key, {
    enumerable: true,
    get() {
      throw boom;
    },
  });
  return target;
}

function revoked(target: object = {}): object {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

function nested(depth: number, leaf: unknown = 1, wrap: (inner: unknown) => unknown = (inner) => ({ a: inner })) {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = wrap(value);
  return value;
}

const artifact = (value: unknown, type = "JsonArtifact") => ({ ...toArtifact("x"), type, value });

// Deep enough to overflow any recursion, not so deep that building it is slow.
const DEEP = 200_000;

describe("values that throw when read", () => {
  it.each([
    ["a TextChunkEvent's token (the fast path)", () => throwing({ type: "TextChunkEvent" }, "token")],
    [
      "a FinishStructureRunEvent's output (the schema path)",
      () => throwing({ type: "FinishStructureRunEvent" }, "output_task_output"),
    ],
    ["the type", () => throwing({}, "type")],
    ["a key inside meta", () => ({ type: "TextChunkEvent", token: "t", meta: throwing({}, "k") })],
    ["a key inside a custom event's meta", () => ({ type: "MyEvent", meta: throwing({}, "k") })],
    ["a custom event's field", () => throwing({ type: "MyEvent" }, "x")],
    ["a field deep in a custom event", () => ({ type: "MyEvent", x: { y: [throwing({}, "z")] } })],
    [
      "an artifact's value",
      () => ({ type: "FinishStructureRunEvent", output_task_output: throwing({ ...toArtifact("x") }, "value") }),
    ],
    [
      "a message's content",
      () => ({
        type: "StartPromptEvent",
        model: "m",
        prompt_stack: { messages: [throwing({ role: "user" }, "content")] },
      }),
    ],
  ])("%s: reason unreadable, the thrown error as cause", (_, make) => {
    const { bus, intact } = setup();
    const error = refused(() => bus.publishEvent(make() as never));
    expect(error.reason).toBe("unreadable");
    expect(error.cause).toBe(boom);
    expect(error.message).toContain("boom when read");
    intact();
  });

  it("a custom event's toJSON that throws: reason unsupported_value", () => {
    const { bus, intact } = setup();
    const error = refused(() =>
      bus.publishEvent({
        type: "MyEvent",
        x: {
          toJSON() {
            throw boom;
          },
        },
      }),
    );
    expect(error.reason).toBe("unsupported_value");
    intact();
  });
});

describe("Proxies", () => {
  const trap = (name: keyof ProxyHandler<object>) => ({
    [name]() {
      throw boom;
    },
  });

  it.each([
    ["a revoked Proxy as the event", () => revoked()],
    ["a revoked Proxy of an array as the event", () => revoked([])],
    ["a Proxy whose get throws", () => new Proxy({ type: "TextChunkEvent", token: "t" }, trap("get"))],
    ["a Proxy whose ownKeys throws", () => new Proxy({ type: "TextChunkEvent", token: "t" }, trap("ownKeys"))],
    ["a Proxy whose has throws", () => new Proxy({ type: "FinishStructureRunEvent" }, trap("has"))],
    ["a revoked Proxy as meta", () => ({ type: "TextChunkEvent", token: "t", meta: revoked() })],
    ["a revoked Proxy inside meta", () => ({ type: "MyEvent", meta: { p: revoked() } })],
    [
      "meta whose getPrototypeOf throws",
      () => ({ type: "TextChunkEvent", token: "t", meta: new Proxy({}, trap("getPrototypeOf")) }),
    ],
    ["a revoked Proxy as an artifact", () => ({ type: "FinishStructureRunEvent", output_task_output: revoked() })],
    ["a revoked Proxy in a custom field", () => ({ type: "MyEvent", p: revoked() })],
    [
      "an array Proxy whose get throws, in meta",
      () => ({ type: "MyEvent", meta: { list: new Proxy([1, 2], trap("get")) } }),
    ],
  ])("%s: InvalidEventError, nothing lost", (_, make) => {
    const { bus, intact } = setup();
    refused(() => bus.publishEvent(make() as never));
    intact();
  });

  it("a well-behaved Proxy is read like the object it wraps", () => {
    const { bus, driver } = setup();
    bus.publishEvent(new Proxy({ type: "TextChunkEvent", token: "p" }, {}) as never);
    bus.publishEvent({ type: "MyEvent", meta: new Proxy({ k: [1] }, {}) });
    expect(driver.events.slice(-2)).toMatchObject([
      { type: "TextChunkEvent", token: "p" },
      { type: "MyEvent", meta: { k: [1] } },
    ]);
  });
});

describe("keys and types with control characters", () => {
  const nasty = "a\u0000b\u001b[2J\u0007c\u009bd\u2028";

  it("an unknown key with control characters on a known type: unknown_field, escaped in the message", () => {
    const { bus, intact } = setup();
    const error = refused(() => bus.publishEvent({ type: "TextChunkEvent", token: "t", [nasty]: 1 } as never));
    expect(error.reason).toBe("unknown_field");
    expect(error.issues[0]!.path).toEqual([nasty]);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is that none are left.
    expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(error.message).toContain("\\u001b[2J");
    intact();
  });

  it("a custom event's keys and type with control characters are sent, escaped by JSON, and read back exactly", () => {
    const { bus, driver } = setup();
    const sent = bus.publishEvent({ type: `My${nasty}`, [nasty]: nasty, meta: { [nasty]: [nasty] } });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: JSON escapes C0 controls, so none are raw.
    expect(sent.json).not.toMatch(/[\u0000-\u001f]/);
    expect(driver.events.at(-1)).toEqual({
      type: `My${nasty}`,
      id: sent.id,
      timestamp: sent.timestamp,
      meta: { [nasty]: [nasty] },
      [nasty]: nasty,
    });
  });

  it("a bad id on a custom type with control characters: the message escapes the type", () => {
    const { bus } = setup();
    const error = refused(() => bus.publishEvent({ type: `My${nasty}`, id: "x" }));
    expect(error.reason).toBe("schema");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is that none are left.
    expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  });
});

describe("nesting deeper than the stack", () => {
  it.each([
    ["meta of a known event", () => ({ type: "TextChunkEvent", token: "t", meta: nested(DEEP) })],
    ["meta of a custom event", () => ({ type: "MyEvent", meta: nested(DEEP) })],
    ["a custom event's field", () => ({ type: "MyEvent", x: nested(DEEP) })],
    ["a custom event's field, arrays", () => ({ type: "MyEvent", x: nested(DEEP, 1, (inner) => [inner]) })],
    ["a JsonArtifact's value", () => ({ type: "FinishStructureRunEvent", output_task_output: artifact(nested(DEEP)) })],
    [
      "ListArtifacts inside ListArtifacts",
      () => ({
        type: "FinishStructureRunEvent",
        output_task_output: nested(DEEP / 10, toArtifact("leaf"), (inner) => artifact([inner], "ListArtifact")),
      }),
    ],
    [
      "a tool action's input",
      () => ({
        type: "StartActionsSubtaskEvent",
        task_id: "t",
        task_input: toArtifact("x"),
        subtask_actions: [{ tag: "c", name: "n", input: nested(DEEP) }],
      }),
    ],
  ])("%s: InvalidEventError, nothing lost", (_, make) => {
    const { bus, intact } = setup();
    const error = refused(() => bus.publishEvent(make() as never));
    expect(["unsupported_value", "schema"]).toContain(error.reason);
    intact();
  });

  it("nesting JSON can carry is sent", () => {
    const { bus, driver } = setup();
    bus.publishEvent({ type: "MyEvent", meta: nested(500) as Record<string, never>, x: nested(500) });
    expect(JSON.stringify(driver.events.at(-1))).toContain(`${'{"a":'.repeat(500)}1`);
  });
});

describe("any poison anywhere", () => {
  type Poison = () => unknown;
  const poisons: Record<string, Poison> = {
    getter: () => throwing({}, "x"),
    revoked: () => revoked(),
    bigint: () => 1n,
    cycle: () => {
      const o: Record<string, unknown> = {};
      o.self = o;
      return o;
    },
    deep: () => nested(DEEP),
    date: () => new Date(0),
    symbol: () => Symbol("s"),
    nan: () => Number.NaN,
  };

  /**
   * A JSON-like value and where to put one poison inside it (or the poison as the whole value). Only the recipe
   * is generated: fast-check inspects what it generates, and a revoked Proxy throws at fast-check itself.
   */
  const recipe = fc.record({
    json: fc.jsonValue({ maxDepth: 3 }),
    poison: fc.constantFrom(...Object.keys(poisons)),
    route: fc.array(fc.nat(), { maxLength: 4 }),
  });

  function poisoned({ json, poison, route }: { json: unknown; poison: string; route: number[] }): unknown {
    const make = poisons[poison]!;
    const value = structuredClone(json);
    if (typeof value !== "object" || value === null) return make();
    let at = value as Record<string, unknown>;
    for (const step of route) {
      const keys = Object.keys(at);
      const next = keys.length === 0 ? undefined : at[keys[step % keys.length]!];
      if (typeof next !== "object" || next === null) break;
      at = next as Record<string, unknown>;
    }
    if (Array.isArray(at)) at.push(make());
    else at.poison = make();
    return value;
  }

  const where = fc.constantFrom(
    (v: unknown) => ({ type: "TextChunkEvent", token: "t", meta: { v } }),
    (v: unknown) => ({ type: "MyEvent", v }),
    (v: unknown) => ({ type: "MyEvent", meta: { v } }),
    (v: unknown) => ({ type: "FinishStructureRunEvent", output_task_output: artifact(v) }),
    (v: unknown) => ({
      type: "StartPromptEvent",
      model: "m",
      prompt_stack: { messages: [{ role: "user", content: "x", usage: v }] },
    }),
    (v: unknown) => ({ type: "ActionChunkEvent", tag: v }),
  );

  it("publishEvent accepts or throws InvalidEventError, and what was published before is intact", () => {
    const { bus, driver, before } = setup();
    fc.assert(
      fc.property(recipe, where, (r, place) => {
        const count = driver.records.length;
        try {
          bus.publishEvent(place(poisoned(r)) as never);
          expect(driver.records.length).toBe(count + 1);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidEventError);
          expect(driver.records.length).toBe(count);
        }
        expect(driver.records.slice(0, before.length).map((r) => r.json)).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });
});
