import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KNOWN_EVENT_TYPES } from "../../src/events/event-schemas.js";
import {
  EventBus,
  EventListener,
  InvalidEventError,
  type InvalidEventReason,
  KNOWN_EVENT_SCHEMAS,
  type KnownEventType,
  MemoryEventListenerDriver,
  toArtifact,
} from "../../src/index.js";

// The catalogue as the Python framework v1.12.0 defines it, written out here independently of the schemas:
// the fields of each class in order, which ones it defaults (and to what), which ones it requires, and which
// of those may be null. The schemas must agree with this table.

interface Spec {
  /** Every field after type, id, timestamp, meta, in order. */
  fields: string[];
  /** What the library fills when a field is left out (the Python default, or a value the framework accepts). */
  filled: Record<string, unknown>;
  /** Fields with no fill: leaving one out is refused. */
  required: string[];
  /** Fields where null is refused. */
  notNull: string[];
  /** A minimal valid input's own fields. */
  minimal: Record<string, unknown>;
}

const artifact = toArtifact("x");
const taskSpec: Spec = {
  fields: ["task_id", "task_parent_ids", "task_child_ids", "task_input", "task_output"],
  filled: { task_parent_ids: [], task_child_ids: [], task_output: null },
  required: ["task_id", "task_input"],
  notNull: ["task_id", "task_parent_ids", "task_child_ids", "task_input"],
  minimal: { task_id: "t1", task_input: artifact },
};
const subtaskSpec: Spec = {
  ...taskSpec,
  fields: [...taskSpec.fields, "subtask_parent_task_id", "subtask_thought", "subtask_actions"],
  filled: { ...taskSpec.filled, subtask_parent_task_id: null, subtask_thought: null, subtask_actions: null },
};
const none: Spec = { fields: [], filled: {}, required: [], notNull: [], minimal: {} };

const SPEC: Record<KnownEventType, Spec> = {
  StartStructureRunEvent: {
    fields: ["structure_id", "input_task_input", "input_task_output"],
    filled: { structure_id: null, input_task_output: null },
    required: ["input_task_input"],
    notNull: ["input_task_input"],
    minimal: { input_task_input: artifact },
  },
  FinishStructureRunEvent: {
    fields: ["structure_id", "output_task_input", "output_task_output"],
    filled: { structure_id: null, output_task_input: null, output_task_output: null },
    required: [],
    notNull: [],
    minimal: {},
  },
  StartTaskEvent: taskSpec,
  FinishTaskEvent: taskSpec,
  StartActionsSubtaskEvent: subtaskSpec,
  FinishActionsSubtaskEvent: subtaskSpec,
  StartPromptEvent: {
    fields: ["model", "prompt_stack"],
    filled: {},
    required: ["model", "prompt_stack"],
    notNull: ["model", "prompt_stack"],
    minimal: { model: "m", prompt_stack: { messages: [] } },
  },
  FinishPromptEvent: {
    fields: ["model", "result", "input_token_count", "output_token_count"],
    filled: { input_token_count: null, output_token_count: null },
    required: ["model", "result"],
    notNull: ["model", "result"],
    minimal: { model: "m", result: "r" },
  },
  TextChunkEvent: {
    fields: ["index", "token"],
    filled: { index: 0 },
    required: ["token"],
    notNull: ["index", "token"],
    minimal: { token: "t" },
  },
  ActionChunkEvent: {
    fields: ["index", "partial_input", "tag", "name", "path"],
    filled: { index: 0, partial_input: null, tag: null, name: null, path: null },
    required: [],
    notNull: ["index"],
    minimal: {},
  },
  AudioChunkEvent: {
    fields: ["index", "data"],
    filled: { index: 0 },
    required: ["data"],
    notNull: ["index", "data"],
    minimal: { data: "UklGRg==" },
  },
  StartImageGenerationEvent: {
    fields: ["prompts", "negative_prompts"],
    filled: { negative_prompts: null },
    required: ["prompts"],
    notNull: ["prompts"],
    minimal: { prompts: ["a fox"] },
  },
  FinishImageGenerationEvent: none,
  StartImageQueryEvent: {
    fields: ["query", "images_info"],
    filled: {},
    required: ["query", "images_info"],
    notNull: ["query", "images_info"],
    minimal: { query: "q", images_info: ["fox.png"] },
  },
  FinishImageQueryEvent: {
    fields: ["result"],
    filled: {},
    required: ["result"],
    notNull: ["result"],
    minimal: { result: "r" },
  },
  StartTextToSpeechEvent: {
    fields: ["prompts"],
    filled: {},
    required: ["prompts"],
    notNull: ["prompts"],
    minimal: { prompts: ["hello"] },
  },
  FinishTextToSpeechEvent: none,
  StartAudioTranscriptionEvent: none,
  FinishAudioTranscriptionEvent: none,
};

const TYPES = Object.keys(SPEC) as KnownEventType[];

function setup() {
  const bus = new EventBus();
  const driver = new MemoryEventListenerDriver();
  bus.addEventListener(new EventListener({ driver }));
  return { bus, driver };
}

function publish(input: Record<string, unknown>): Record<string, unknown> {
  const { bus } = setup();
  return JSON.parse(bus.publishEvent(input as never).json) as Record<string, unknown>;
}

function refusal(input: unknown): InvalidEventError {
  const { bus, driver } = setup();
  bus.publishEvent({ type: "TextChunkEvent", token: "before" });
  let caught: unknown;
  try {
    bus.publishEvent(input as never);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidEventError);
  // Nothing published before is lost, nothing of the refused event is recorded.
  expect(driver.records.map((r) => r.type)).toEqual(["TextChunkEvent"]);
  return caught as InvalidEventError;
}

function expectRefused(input: unknown, reason: InvalidEventReason, path: (string | number)[]): InvalidEventError {
  const error = refusal(input);
  expect(error.reason).toBe(reason);
  expect(error.issues.map((i) => i.path)).toContainEqual(path);
  return error;
}

describe("the known types", () => {
  it("are the framework's 19 concrete event classes, each with a schema", () => {
    expect([...KNOWN_EVENT_TYPES].sort()).toEqual([...TYPES].sort());
    expect(Object.keys(KNOWN_EVENT_SCHEMAS).sort()).toEqual([...TYPES].sort());
  });

  it.each(TYPES)("%s: a minimal input is completed with every default, in the wire's key order", (type) => {
    const spec = SPEC[type];
    const event = publish({ type, ...spec.minimal });
    expect(Object.keys(event)).toEqual(["type", "id", "timestamp", "meta", ...spec.fields]);
    expect(event.meta).toEqual({});
    expect(event).toMatchObject(spec.filled);
  });

  it.each(TYPES)("%s: a field left out that the library cannot fill is refused, naming it", (type) => {
    for (const field of SPEC[type].required) {
      const input: Record<string, unknown> = { type, ...SPEC[type].minimal };
      delete input[field];
      const error = expectRefused(input, "schema", [field]);
      expect(error.message).toContain(`\`${field}\``);
      expect(error.message).toMatch(/required/);
    }
  });

  it.each(TYPES)("%s: null where the framework does not allow it is refused, naming the field", (type) => {
    for (const field of SPEC[type].notNull) {
      const error = expectRefused({ type, ...SPEC[type].minimal, [field]: null }, "schema", [field]);
      expect(error.message).toContain(`\`${field}\``);
      expect(error.message).toMatch(/null/);
    }
  });

  it.each(TYPES)("%s: null is kept where the framework allows it", (type) => {
    const nullable = Object.entries(SPEC[type].filled).filter(([, v]) => v === null);
    for (const [field] of nullable) {
      expect(publish({ type, ...SPEC[type].minimal, [field]: null })[field]).toBeNull();
    }
  });

  it.each(TYPES)("%s: an unknown top-level key is refused with reason unknown_field, pointing to meta", (type) => {
    const error = expectRefused({ type, ...SPEC[type].minimal, my_extra: 1 }, "unknown_field", ["my_extra"]);
    expect(error.message).toContain('"my_extra"');
    expect(error.message).toContain("`meta`");
    expect(error.code).toBe("ERR_INVALID_EVENT");
    // The same data in meta is fine.
    expect(publish({ type, ...SPEC[type].minimal, meta: { my_extra: 1 } }).meta).toEqual({ my_extra: 1 });
  });

  it("an unknown key set to undefined is refused too, as the framework's reader would see no difference", () => {
    expectRefused({ type: "TextChunkEvent", token: "t", my_extra: undefined }, "unknown_field", ["my_extra"]);
  });

  it("the issue's cases: StartTaskEvent without task_input, an extra key, AudioChunkEvent's index", () => {
    expectRefused({ type: "StartTaskEvent", task_id: "t1" }, "schema", ["task_input"]);
    expectRefused({ type: "StartTaskEvent", task_id: "t1", task_input: null }, "schema", ["task_input"]);
    expectRefused({ type: "TextChunkEvent", token: "t", my_extra: 1 }, "unknown_field", ["my_extra"]);
    expect(publish({ type: "AudioChunkEvent", data: "UklGRg==" })).toMatchObject({ index: 0, data: "UklGRg==" });
  });
});

describe("meta is a plain JSON object", () => {
  class Point {
    constructor(readonly x = 1) {}
  }

  it.each([
    ["TextChunkEvent", { type: "TextChunkEvent", token: "t" }],
    ["FinishStructureRunEvent", { type: "FinishStructureRunEvent" }],
    ["a custom event", { type: "MyEvent" }],
  ])("%s: a Date inside meta is refused, not sent as a string", (_, base) => {
    const error = expectRefused({ ...base, meta: { at: new Date(0) } }, "unsupported_value", ["meta", "at"]);
    expect(error.message).toMatch(/Date/);
    expect(error.message).toMatch(/toISOString/);
  });

  it.each([
    ["a Date", new Date(0)],
    ["an array", []],
    ["null", null],
    ["a string", "m"],
    ["a class instance", new Point()],
  ])("meta that is %s is refused with reason schema", (_, meta) => {
    expectRefused({ type: "TextChunkEvent", token: "t", meta }, "schema", ["meta"]);
    expectRefused({ type: "MyEvent", meta }, "schema", ["meta"]);
  });

  it.each([
    ["a class instance", { p: new Point() }, "unsupported_value"],
    ["a Map", { m: new Map() }, "unsupported_value"],
    ["a BigInt", { n: 1n }, "bigint"],
    ["NaN", { n: Number.NaN }, "non_finite_number"],
    ["a function", { f: () => 1 }, "function"],
    ["a symbol key", { [Symbol("s")]: 1 }, "symbol"],
    ["undefined in an array", { a: [1, undefined] }, "unsupported_value"],
  ] as const)("meta holding %s is refused", (_, meta, reason) => {
    expect(refusal({ type: "TextChunkEvent", token: "t", meta }).reason).toBe(reason);
    expect(refusal({ type: "MyEvent", meta }).reason).toBe(reason);
  });

  it("NaN and ±Infinity are non_finite_number in every field of every type, known or custom, as the README says", () => {
    // A known type's field used to say `schema` (its zod check refused it) where a custom event's said
    // `non_finite_number`: the same value, two reasons.
    fc.assert(
      fc.property(
        fc.constantFrom(...TYPES, "MyEvent"),
        fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
        fc.nat(),
        (type, value, pick) => {
          const minimal = type === "MyEvent" ? { n: 1 } : SPEC[type].minimal;
          const keys = ["timestamp", ...(type === "MyEvent" ? ["n", "other"] : SPEC[type].fields)];
          const key = keys[pick % keys.length]!;
          expectRefused({ type, ...minimal, [key]: value }, "non_finite_number", [key]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ["an index", { type: "TextChunkEvent", token: "x", index: Number.POSITIVE_INFINITY }, ["index"]],
    [
      "a token count",
      { type: "FinishPromptEvent", model: "m", result: "r", input_token_count: Number.NaN },
      ["input_token_count"],
    ],
    [
      "a message's usage",
      {
        type: "StartPromptEvent",
        model: "m",
        prompt_stack: {
          messages: [{ role: "user", content: "hi", usage: { input_tokens: Number.POSITIVE_INFINITY } }],
        },
      },
      ["prompt_stack", "messages", 0, "usage", "input_tokens"],
    ],
    [
      "an artifact's value",
      { type: "FinishStructureRunEvent", output_task_output: { ...toArtifact({}), value: { a: [Number.NaN] } } },
      ["output_task_output", "value", "a", 0],
    ],
  ] as const)("NaN or Infinity in %s is non_finite_number, with its path", (_, input, path) => {
    expectRefused(input, "non_finite_number", [...path]);
  });

  it("plain JSON passes as given; undefined properties are left out; null-prototype objects are plain", () => {
    const bare = Object.assign(Object.create(null) as object, { k: "v" });
    const meta = { s: "x", n: -1.5, b: false, z: null, list: [1, "two", { three: [] }], bare, gone: undefined };
    for (const base of [{ type: "TextChunkEvent", token: "t" }, { type: "MyEvent" }]) {
      expect(publish({ ...base, meta }).meta).toEqual({
        s: "x",
        n: -1.5,
        b: false,
        z: null,
        list: [1, "two", { three: [] }],
        bare: { k: "v" },
      });
    }
  });

  it('keeps an own "__proto__" key as data', () => {
    const meta = JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as Record<string, unknown>;
    for (const base of [{ type: "TextChunkEvent", token: "t" }, { type: "MyEvent" }]) {
      const { bus } = setup();
      const json = bus.publishEvent({ ...base, meta } as never).json;
      expect(json).toContain('"meta":{"__proto__":{"x":1},"y":2}');
    }
  });
});

describe("token counts", () => {
  it.each([0, 12, 12.5, null])("%s is accepted", (count) => {
    const event = publish({ type: "FinishPromptEvent", model: "m", result: "r", input_token_count: count });
    expect(event.input_token_count).toBe(count);
  });

  it.each([
    [-1, "schema"],
    [-0.5, "schema"],
    [Number.POSITIVE_INFINITY, "non_finite_number"],
    [Number.NaN, "non_finite_number"],
    ["12", "schema"],
  ] as const)("%s is refused (%s)", (count, reason) => {
    expectRefused({ type: "FinishPromptEvent", model: "m", result: "r", output_token_count: count }, reason, [
      "output_token_count",
    ]);
  });

  it("a Usage's counts follow the same rule", () => {
    const stack = (usage: unknown) => ({
      type: "StartPromptEvent",
      model: "m",
      prompt_stack: { messages: [{ role: "user", content: "hi", usage }] },
    });
    expect(publish(stack({ input_tokens: 3, output_tokens: 1.5 })).prompt_stack).toMatchObject({
      messages: [{ usage: { type: "Usage", input_tokens: 3, output_tokens: 1.5 } }],
    });
    expectRefused(stack({ input_tokens: -3 }), "schema", ["prompt_stack", "messages", 0, "usage", "input_tokens"]);
  });
});

describe("artifacts as the framework writes them", () => {
  const id = "0123456789abcdef0123456789abcdef";
  const text = { type: "TextArtifact", id, reference: null, meta: {}, name: "n", value: "v" };

  it("a ListArtifact gets item_separator and validate_uniform_types when left out, at every depth", () => {
    const inner = { type: "ListArtifact", id, reference: null, meta: {}, name: "inner", value: [text] };
    const list = { ...inner, name: "outer", value: [inner] };
    const event = publish({ type: "FinishStructureRunEvent", output_task_output: list });
    const out = event.output_task_output as Record<string, unknown> & { value: Record<string, unknown>[] };
    expect(out).toMatchObject({ item_separator: "\n\n", validate_uniform_types: false });
    expect(out.value[0]).toMatchObject({ item_separator: "\n\n", validate_uniform_types: false });
    expect(Object.keys(out)).toEqual([
      "type",
      "id",
      "reference",
      "meta",
      "name",
      "value",
      "item_separator",
      "validate_uniform_types",
    ]);
  });

  it("a ListArtifact's own settings are kept", () => {
    const list = { type: "ListArtifact", id, reference: null, meta: {}, name: "l", value: [], item_separator: ", " };
    const event = publish({
      type: "FinishStructureRunEvent",
      output_task_output: { ...list, validate_uniform_types: true },
    });
    expect(event.output_task_output).toMatchObject({ item_separator: ", ", validate_uniform_types: true });
  });

  it("an artifact with a key the framework does not know is refused with unknown_field at its path", () => {
    const error = expectRefused(
      { type: "FinishStructureRunEvent", output_task_output: { ...text, extra: 1 } },
      "unknown_field",
      ["output_task_output", "extra"],
    );
    expect(error.message).toContain('"extra"');
  });

  it("an artifact's reference is the framework's Reference: defaults filled, strict", () => {
    const event = publish({
      type: "FinishStructureRunEvent",
      output_task_output: { ...text, reference: { title: "Doc" } },
    });
    expect((event.output_task_output as { reference: unknown }).reference).toEqual({
      type: "Reference",
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      title: "Doc",
      authors: [],
      source: null,
      year: null,
      url: null,
    });
    expectRefused(
      { type: "FinishStructureRunEvent", output_task_output: { ...text, reference: { title: "Doc", page: 3 } } },
      "unknown_field",
      ["output_task_output", "reference", "page"],
    );
    expectRefused(
      { type: "FinishStructureRunEvent", output_task_output: { ...text, reference: { url: "u" } } },
      "schema",
      ["output_task_output", "reference", "title"],
    );
  });

  it("an artifact's meta is plain JSON too", () => {
    expectRefused(
      { type: "FinishStructureRunEvent", output_task_output: { ...text, meta: { at: new Date(0) } } },
      "unsupported_value",
      ["output_task_output", "meta", "at"],
    );
  });

  it("a BlobArtifact's value and an AudioChunkEvent's data must be base64", () => {
    expectRefused(
      { type: "FinishStructureRunEvent", output_task_output: { ...text, type: "BlobArtifact", value: "not base64!" } },
      "schema",
      ["output_task_output", "value"],
    );
    expectRefused({ type: "AudioChunkEvent", data: "not base64!" }, "schema", ["data"]);
  });

  it("the tool actions of a subtask keep keys of their own (the framework lists plain dicts)", () => {
    const event = publish({
      type: "StartActionsSubtaskEvent",
      task_id: "st1",
      task_input: artifact,
      subtask_actions: [{ tag: "call_1", name: "Calculator", extra: true }],
    });
    // Nothing filled in: Python's actions_to_dicts leaves out empty keys, and its reader takes any dict.
    expect(event.subtask_actions).toEqual([{ tag: "call_1", name: "Calculator", extra: true }]);
  });

  it("a tool action with its empty keys left out, as the framework writes it, is accepted unchanged", () => {
    const event = publish({
      type: "FinishActionsSubtaskEvent",
      task_id: "st1",
      task_input: artifact,
      subtask_actions: [{ input: { values: {} } }, { tag: "call_2", name: "Search" }],
    });
    expect(event.subtask_actions).toEqual([{ input: { values: {} } }, { tag: "call_2", name: "Search" }]);
  });
});
