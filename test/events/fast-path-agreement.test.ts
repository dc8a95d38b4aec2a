import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KNOWN_EVENT_TYPES } from "../../src/events/event-schemas.js";
import { FAST_EVENT_WRITERS } from "../../src/events/fast-event-writers.js";
import { serializeEvent } from "../../src/events/serialize-event.js";
import { CustomEventSchema, InvalidEventError, KNOWN_EVENT_SCHEMAS, type KnownEventType } from "../../src/index.js";

// publishEvent does not run zod on the hot path: hand-written checks (the base fields, the scalar fields'
// compiled tests, the unknown-key scan) and a hand-written JSON writer stand in for the schema. They must give
// the schema's verdict, and write the JSON that JSON.stringify writes for the schema's output, on valid and
// invalid events of every known type alike.

type Gen = fc.Arbitrary<unknown>;

/** Any UTF-16 code unit, lone surrogates and control characters included. */
const anyString = fc.string({ unit: fc.nat(0xffff).map((c) => String.fromCharCode(c)), maxLength: 12 });
const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/);
const junk: Gen = fc.constantFrom(
  null,
  undefined,
  0,
  -1,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  "",
  "x",
  true,
  [],
  {},
  [1],
  { a: 1 },
  new Date(0),
);
const key = anyString.filter((k) => k !== "__proto__");
const jsonObject = fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });

/** A field: what is valid for it, what is wrong for it (on top of `junk`), and whether it may be left out. */
interface Field {
  valid: Gen;
  invalid?: Gen;
  /** The library fills it when left out. */
  optional?: boolean;
}

const str: Field = { valid: anyString };
const strOrNull: Field = { valid: fc.option(anyString, { nil: null }), optional: true };
const index: Field = {
  valid: fc.oneof(fc.nat(), fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER)),
  invalid: fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.constantFrom(2 ** 53, 2 ** 60)),
  optional: true,
};
const count: Field = {
  valid: fc.option(fc.oneof(fc.nat(), fc.double({ min: 0, noNaN: true, noDefaultInfinity: true })), { nil: null }),
  invalid: fc.oneof(fc.double({ max: -Number.MIN_VALUE }), fc.constantFrom("1", -0.5)),
  optional: true,
};
const strings: Field = {
  valid: fc.array(anyString, { maxLength: 3 }),
  invalid: fc.constantFrom([1], ["a", null], "a"),
};
const base64: Field = {
  valid: fc.base64String({ maxLength: 16 }),
  invalid: fc.constantFrom("not base64!", "abc", "=abc", "ab=c"),
};

// With its id given: a Reference without one gets a fresh id at each parse.
const reference = fc.record(
  {
    id: hex32,
    title: anyString,
    authors: fc.array(anyString, { maxLength: 2 }),
    url: fc.option(anyString, { nil: null }),
  },
  { requiredKeys: ["id", "title"] },
);
const artifactBase = { id: hex32, reference: fc.option(reference, { nil: null }), meta: jsonObject, name: anyString };
const { artifact } = fc.letrec<{ artifact: Record<string, unknown> }>((tie) => ({
  artifact: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ type: fc.constant("TextArtifact"), ...artifactBase, value: anyString }),
    fc.record({ type: fc.constant("JsonArtifact"), ...artifactBase, value: fc.jsonValue({ maxDepth: 2 }) }),
    fc.record({ type: fc.constant("BooleanArtifact"), ...artifactBase, value: fc.boolean() }),
    fc.record({ type: fc.constant("BlobArtifact"), ...artifactBase, value: fc.base64String({ maxLength: 8 }) }),
    fc.record(
      {
        type: fc.constant("ListArtifact"),
        ...artifactBase,
        value: fc.array(tie("artifact"), { maxLength: 2 }),
        item_separator: anyString,
        validate_uniform_types: fc.boolean(),
      },
      { requiredKeys: ["type", "id", "reference", "meta", "name", "value"] },
    ),
  ),
}));
const badArtifact = fc.oneof(
  artifact.map((a) => ({ ...a, type: "PictureArtifact" })),
  artifact.map((a) => ({ ...a, id: "not-hex" })),
  artifact.map((a) => ({ ...a, extra: 1 })),
  artifact.map(({ name: _, ...rest }) => rest),
  artifact.map((a) => ({ ...a, meta: { at: new Date(0) } })),
);
const art: Field = { valid: artifact, invalid: badArtifact };
const artOrNull: Field = { valid: fc.option(artifact, { nil: null }), invalid: badArtifact, optional: true };

const content = fc.oneof(anyString, artifact, fc.array(fc.oneof(anyString, artifact), { maxLength: 2 }));
const promptStack: Field = {
  valid: fc.record(
    {
      type: fc.constant("PromptStack"),
      messages: fc.array(
        fc.record(
          { role: anyString, content, usage: fc.record({ input_tokens: count.valid }, { requiredKeys: [] }) },
          { requiredKeys: ["role", "content"] },
        ),
        { maxLength: 2 },
      ),
    },
    { requiredKeys: [] },
  ),
  invalid: fc.constantFrom(
    { messages: [{ role: "user" }] },
    { messages: [{ role: 1, content: "x" }] },
    { type: "Stack" },
  ),
};
const actions: Field = {
  valid: fc.option(
    fc.array(
      fc.record(
        { tag: anyString, name: anyString, path: strOrNull.valid, input: jsonObject },
        { requiredKeys: ["tag", "name"] },
      ),
      {
        maxLength: 2,
      },
    ),
    { nil: null },
  ),
  invalid: fc.constantFrom([{ tag: "t" }], [{ tag: 1, name: "n" }], [null]),
  optional: true,
};

const ids: Field = { ...strings, optional: true };
const task = {
  task_id: str,
  task_parent_ids: ids,
  task_child_ids: ids,
  task_input: art,
  task_output: artOrNull,
};
const subtask = { ...task, subtask_parent_task_id: strOrNull, subtask_thought: strOrNull, subtask_actions: actions };

/** Every known type's own fields, written from the framework's classes, independently of the schemas. */
const FIELDS: Record<KnownEventType, Record<string, Field>> = {
  StartStructureRunEvent: { structure_id: strOrNull, input_task_input: art, input_task_output: artOrNull },
  FinishStructureRunEvent: { structure_id: strOrNull, output_task_input: artOrNull, output_task_output: artOrNull },
  StartTaskEvent: task,
  FinishTaskEvent: task,
  StartActionsSubtaskEvent: subtask,
  FinishActionsSubtaskEvent: subtask,
  StartPromptEvent: { model: str, prompt_stack: promptStack },
  FinishPromptEvent: { model: str, result: str, input_token_count: count, output_token_count: count },
  TextChunkEvent: { index, token: str },
  ActionChunkEvent: { index, partial_input: strOrNull, tag: strOrNull, name: strOrNull, path: strOrNull },
  AudioChunkEvent: { index, data: base64 },
  StartImageGenerationEvent: {
    prompts: strings,
    negative_prompts: { valid: fc.option(strings.valid, { nil: null }), optional: true },
  },
  FinishImageGenerationEvent: {},
  StartImageQueryEvent: { query: str, images_info: strings },
  FinishImageQueryEvent: { result: str },
  StartTextToSpeechEvent: { prompts: strings },
  FinishTextToSpeechEvent: {},
  StartAudioTranscriptionEvent: {},
  FinishAudioTranscriptionEvent: {},
};

const OMIT = Symbol("omit");

/** A value for a field: mostly valid, sometimes left out, wrong, or junk. */
function choose(field: Field): Gen {
  return fc.oneof(
    { weight: 6, arbitrary: field.valid },
    { weight: 1, arbitrary: fc.constant(OMIT) },
    { weight: 1, arbitrary: field.invalid ?? junk },
    { weight: 1, arbitrary: junk },
  );
}

const baseFields: Record<string, Field> = {
  id: { valid: hex32, invalid: fc.constantFrom("4F0C3D2E9B8A4C6D8E7F1A2B3C4D5E6F", "abc", 7), optional: true },
  timestamp: {
    optional: true,
    valid: fc.oneof(fc.double({ min: 0, max: 2e9, noNaN: true }), fc.constantFrom(0, -0, 1726096550.1)),
    invalid: fc.constantFrom(-1, Number.NaN, Number.POSITIVE_INFINITY, "now"),
  },
  meta: { valid: jsonObject, invalid: fc.constantFrom([], null, new Date(0), { at: new Date(0) }, { n: Number.NaN }) },
};

/** A valid value for a field, or the field left out. */
function chooseValid(field: Field): Gen {
  if (field.optional !== true) return field.valid;
  return fc.oneof({ weight: 6, arbitrary: field.valid }, { weight: 1, arbitrary: fc.constant(OMIT) });
}

/** Valid events of one type without meta: what the hot path must take. */
function validEventOf(type: KnownEventType): fc.Arbitrary<Record<string, unknown>> {
  const { meta: _, ...base } = baseFields;
  const all = { ...base, ...FIELDS[type] };
  const record = Object.fromEntries(Object.entries(all).map(([k, f]) => [k, chooseValid(f)]));
  return fc.record(record).map((fields) => {
    const event: Record<string, unknown> = { type };
    for (const [k, v] of Object.entries(fields)) if (v !== OMIT) event[k] = v;
    return event;
  });
}

/** Events of one type: base fields, own fields, and now and then a key the type does not have. */
function eventOf(type: KnownEventType): fc.Arbitrary<Record<string, unknown>> {
  const all = { ...baseFields, ...FIELDS[type] };
  // Left out, meta is mostly left out too: the hot path is the event without meta.
  const record = Object.fromEntries(
    Object.entries(all).map(([k, f]) => [
      k,
      k === "meta" ? fc.oneof({ weight: 3, arbitrary: fc.constant(OMIT) }, choose(f)) : choose(f),
    ]),
  );
  return fc
    .tuple(fc.record(record), fc.option(fc.tuple(key, fc.jsonValue({ maxDepth: 1 })), { freq: 8 }), fc.boolean())
    .map(([fields, extra, shuffle]) => {
      const entries = Object.entries(fields).filter(([, v]) => v !== OMIT);
      if (extra !== null && !(extra[0] in all) && extra[0] !== "type") entries.push(extra);
      if (shuffle) entries.reverse();
      const event: Record<string, unknown> = { type };
      for (const [k, v] of entries) event[k] = v;
      return event;
    });
}

type Verdict = { ok: true; json: string } | { ok: false };

/** What the schema says: refused, or the JSON of its output. */
function bySchema(type: KnownEventType, input: Record<string, unknown>, id?: string, timestamp?: number): Verdict {
  // Generated ids and timestamps differ between two runs: give the schema the ones the fast path made.
  const completed = { ...input };
  if (completed.id === undefined && id !== undefined) completed.id = id;
  if (completed.timestamp === undefined && timestamp !== undefined) completed.timestamp = timestamp;
  const parsed = KNOWN_EVENT_SCHEMAS[type].safeParse(completed);
  if (!parsed.success) return { ok: false };
  return { ok: true, json: JSON.stringify(parsed.data) };
}

/**
 * A StartPromptEvent's string content becomes a TextArtifact with a fresh id at each parse: ids and names that
 * are 32 hex characters are masked when comparing two parses of one input.
 */
function comparable(type: KnownEventType, json: string): string {
  return type === "StartPromptEvent" ? json.replace(/"(id|name)":"[0-9a-f]{32}"/g, '"$1":"<hex>"') : json;
}

function byLibrary(input: Record<string, unknown>): Verdict & { id?: string; timestamp?: number } {
  try {
    const event = serializeEvent(input);
    return { ok: true, json: event.json, id: event.id, timestamp: event.timestamp };
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventError);
    return { ok: false };
  }
}

describe("the fast path and the schemas agree", () => {
  it("every known type is covered here", () => {
    expect(Object.keys(FIELDS).sort()).toEqual([...KNOWN_EVENT_TYPES].sort());
  });

  it.each(KNOWN_EVENT_TYPES)("%s: same verdict, same JSON", (type) => {
    fc.assert(
      fc.property(eventOf(type), (input) => {
        const ours = byLibrary(input);
        const theirs = bySchema(type, input, ours.ok ? ours.id : undefined, ours.ok ? ours.timestamp : undefined);
        expect(ours.ok).toBe(theirs.ok);
        if (ours.ok && theirs.ok) expect(comparable(type, ours.json)).toBe(comparable(type, theirs.json));
      }),
      { numRuns: 300 },
    );
  });

  const fastTypes = KNOWN_EVENT_TYPES.filter((t) => FAST_EVENT_WRITERS[t] !== undefined);

  it("the scalar types, and only they, have a fast writer", () => {
    expect([...fastTypes].sort()).toEqual(
      [
        "ActionChunkEvent",
        "AudioChunkEvent",
        "FinishAudioTranscriptionEvent",
        "FinishImageGenerationEvent",
        "FinishImageQueryEvent",
        "FinishPromptEvent",
        "FinishTextToSpeechEvent",
        "StartAudioTranscriptionEvent",
        "TextChunkEvent",
      ].sort(),
    );
  });

  it.each(fastTypes)("%s: whatever the fast writer writes is the schema's JSON", (type) => {
    const writer = FAST_EVENT_WRITERS[type]!;
    fc.assert(
      fc.property(eventOf(type), (input) => {
        const fast = writer.write(input);
        if (fast !== undefined)
          expect(bySchema(type, input, fast.id, fast.timestamp)).toEqual({ ok: true, json: fast.json });
      }),
      { numRuns: 300 },
    );
  });

  it.each(fastTypes)("%s: the fast writer takes every valid event without meta", (type) => {
    const writer = FAST_EVENT_WRITERS[type]!;
    fc.assert(
      fc.property(validEventOf(type), (input) => {
        const fast = writer.write(input);
        expect(fast).toBeDefined();
        expect(bySchema(type, input, fast!.id, fast!.timestamp)).toEqual({ ok: true, json: fast!.json });
      }),
      { numRuns: 200 },
    );
  });

  it("custom events: the base fields get CustomEventSchema's verdict and the same JSON", () => {
    const custom = fc
      .tuple(
        anyString.filter((t) => t !== "" && !(KNOWN_EVENT_TYPES as readonly string[]).includes(t)),
        fc.record(Object.fromEntries(Object.entries(baseFields).map(([k, f]) => [k, choose(f)]))),
        fc.dictionary(
          key.filter((k) => !["type", "id", "timestamp", "meta"].includes(k)),
          fc.jsonValue({ maxDepth: 2 }),
          {
            maxKeys: 3,
          },
        ),
      )
      .map(([type, base, rest]) => {
        const event: Record<string, unknown> = { type };
        for (const [k, v] of Object.entries({ ...base, ...rest })) if (v !== OMIT) event[k] = v;
        return event;
      });
    fc.assert(
      fc.property(custom, (input) => {
        const ours = byLibrary(input);
        const completed = { ...input };
        if (ours.ok) {
          completed.id ??= ours.id;
          completed.timestamp ??= ours.timestamp;
        }
        const parsed = CustomEventSchema.safeParse(completed);
        expect(ours.ok).toBe(parsed.success);
        if (ours.ok && parsed.success) expect(ours.json).toBe(JSON.stringify(parsed.data));
      }),
      { numRuns: 1000 },
    );
  });
});
