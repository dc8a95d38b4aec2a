import { describe, expect, expectTypeOf, it } from "vitest";
import { KNOWN_EVENT_TYPES } from "../../src/events/event-schemas.js";
import {
  type Artifact,
  type CustomEvent,
  type Event,
  EventBus,
  EventListener,
  type EventType,
  type FinishPromptEvent,
  InvalidEventError,
  type KnownEvent,
  type KnownEventOf,
  type KnownEventType,
  MemoryEventListenerDriver,
  type PromptStack,
  type StructureContext,
  type TextChunkEvent,
  toArtifact,
  toPromptStack,
} from "../../src/index.js";

// Type-level tests: `npm run typecheck` compiles this file, so a wrong expectTypeOf or a @ts-expect-error that
// no longer finds an error fails it. The runtime assertions beside them check that what the compiler refuses
// is refused at publish too.

function setup<C extends string = never>() {
  const bus = new EventBus();
  const driver = new MemoryEventListenerDriver<C>();
  bus.addEventListener(new EventListener({ driver }));
  return { bus, driver };
}

describe("event types at compile time", () => {
  it("MemoryEventListenerDriver's events narrow on type", () => {
    const { bus, driver } = setup();
    bus.publishEvent({ type: "TextChunkEvent", token: "Hel" });
    bus.publishEvent({ type: "FinishPromptEvent", model: "m", result: "r", input_token_count: 3 });
    const tokens: string[] = [];
    for (const e of driver.events) {
      if (e.type === "TextChunkEvent") {
        expectTypeOf(e.token).toEqualTypeOf<string>();
        expectTypeOf(e.index).toEqualTypeOf<number>();
        tokens.push(e.token);
      } else if (e.type === "FinishPromptEvent") {
        expectTypeOf(e.input_token_count).toEqualTypeOf<number | null>();
        expectTypeOf(e).toEqualTypeOf<FinishPromptEvent>();
      }
    }
    expect(tokens).toEqual(["Hel"]);
  });

  it("custom types named on the driver narrow too, beside the known ones", () => {
    const { bus, driver } = setup<"ToolCalled">();
    bus.publishEvent({ type: "ToolCalled", tool: "Search" });
    const [e] = driver.events;
    if (e?.type === "ToolCalled") {
      expectTypeOf(e).toEqualTypeOf<CustomEvent<"ToolCalled">>();
      expectTypeOf(e.tool).toEqualTypeOf<unknown>();
    } else if (e?.type === "TextChunkEvent") {
      expectTypeOf(e.token).toEqualTypeOf<string>();
    }
    expect(e).toMatchObject({ type: "ToolCalled", tool: "Search" });
  });

  it("each of the 19 known types narrows on type in KnownEvent", () => {
    // For every K, the member of KnownEvent whose type is K is exactly K's event: the union is discriminated.
    type Narrowed = { [K in KnownEventType]: Extract<KnownEvent, { type: K }> };
    type Exact = { [K in KnownEventType]: KnownEventOf<K> };
    expectTypeOf<Narrowed>().toEqualTypeOf<Exact>();
    expectTypeOf<KnownEvent["type"]>().toEqualTypeOf<KnownEventType>();
    expectTypeOf<KnownEventOf<"AudioChunkEvent">["data"]>().toEqualTypeOf<string>();
    expectTypeOf<KnownEventOf<"StartPromptEvent">["prompt_stack"]>().toEqualTypeOf<PromptStack>();
    expectTypeOf<KnownEventOf<"FinishStructureRunEvent">["output_task_output"]>().toEqualTypeOf<Artifact | null>();
    expect(KNOWN_EVENT_TYPES).toHaveLength(19);
  });

  it("known names are a type of their own and any other string is still an event type", () => {
    expectTypeOf<"TextChunkEvent">().toExtend<EventType>();
    expectTypeOf<"MyOwnEvent">().toExtend<EventType>();
    expectTypeOf<string>().toExtend<EventType>();
    // Event keeps a catch-all member for custom events, so it is wider than the known ones.
    expectTypeOf<TextChunkEvent>().toExtend<Event>();
    expectTypeOf<CustomEvent>().toExtend<Event>();
  });

  it("a typo in a known type's field does not compile, and is refused at publish", () => {
    const { bus } = setup();
    // @ts-expect-error `indx` is not a field of TextChunkEvent
    expect(() => bus.publishEvent({ type: "TextChunkEvent", token: "x", indx: 1 })).toThrow(InvalidEventError);
    expect(() =>
      // @ts-expect-error `input_tokens_count` is not a field of FinishPromptEvent
      bus.publishEvent({ type: "FinishPromptEvent", model: "m", result: "r", input_tokens_count: 1 }),
    ).toThrow(InvalidEventError);
    // @ts-expect-error `structure` is not a field of FinishStructureRunEvent
    expect(() => bus.publishEvent({ type: "FinishStructureRunEvent", structure: "s" })).toThrow(InvalidEventError);
  });

  it("a wrong field type or a missing required field does not compile either", () => {
    const { bus } = setup();
    // @ts-expect-error token must be a string
    expect(() => bus.publishEvent({ type: "TextChunkEvent", token: 5 })).toThrow(InvalidEventError);
    // @ts-expect-error task_input is required
    expect(() => bus.publishEvent({ type: "StartTaskEvent", task_id: "t" })).toThrow(InvalidEventError);
    // @ts-expect-error task_input may not be null
    expect(() => bus.publishEvent({ type: "StartTaskEvent", task_id: "t", task_input: null })).toThrow(
      InvalidEventError,
    );
    // @ts-expect-error meta holds JSON values
    expect(() => bus.publishEvent({ type: "TextChunkEvent", token: "x", meta: { at: new Date(0) } })).toThrow(
      InvalidEventError,
    );
  });

  it("what the framework allows compiles: defaults left out, nulls, shorthand prompt content, custom events", () => {
    const { bus, driver } = setup();
    bus.publishEvent({ type: "ActionChunkEvent" });
    bus.publishEvent({ type: "StartTaskEvent", task_id: "t", task_input: toArtifact("in"), task_output: null });
    bus.publishEvent({
      type: "StartPromptEvent",
      model: "m",
      prompt_stack: { messages: [{ role: "user", content: "hi" }] },
    });
    bus.publishEvent({
      type: "StartPromptEvent",
      model: "m",
      prompt_stack: toPromptStack([{ role: "user", content: "hi" }]),
    });
    bus.publishEvent({ type: "MyOwnEvent", anything: { goes: [1] }, meta: { run: "r1" } });
    expect(driver.records).toHaveLength(5);
  });

  it("a structure's publishEvent is typed the same way", () => {
    type Publish = StructureContext["publishEvent"];
    expectTypeOf<Publish>().toEqualTypeOf<EventBus["publishEvent"]>();
    const publish: Publish = new EventBus().publishEvent.bind(new EventBus());
    // @ts-expect-error `tokn` is not a field of TextChunkEvent
    expect(() => publish({ type: "TextChunkEvent", tokn: "x" })).toThrow(InvalidEventError);
  });
});
