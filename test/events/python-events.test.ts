import { describe, expect, it } from "vitest";
import { KNOWN_EVENT_TYPES } from "../../src/events/event-schemas.js";
import {
  type Artifact,
  EventBus,
  type EventInput,
  EventListener,
  KNOWN_EVENT_SCHEMAS,
  type KnownEventType,
  type ListArtifact,
  MemoryEventListenerDriver,
  toArtifact,
  toPromptStack,
} from "../../src/index.js";
import { readFixture } from "../support/fixtures.js";

// test/fixtures/python-events.json: one event of every concrete event class, written by the Griptape Python
// framework v1.12.0 itself. What it writes must validate and pass through unchanged, and what this library
// builds from the same inputs must have the same keys and values (ids and timestamps aside).

interface PythonEvent {
  note: string;
  event: Record<string, unknown> & { type: KnownEventType; id: string; timestamp: number };
}

const fixtures = readFixture("python-events.json") as PythonEvent[];
const cases = fixtures.map((f) => [`${f.event.type} (${f.note})`, f] as const);

function setup() {
  const bus = new EventBus();
  const driver = new MemoryEventListenerDriver();
  bus.addEventListener(new EventListener({ driver }));
  return { bus, driver };
}

/** JSON with every object's keys sorted: equal strings mean equal keys and values, in any key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** The event with its id, timestamp and every artifact id (and a name that is the id) replaced by placeholders. */
function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  const record = value as Record<string, unknown>;
  const isArtifact = typeof record.type === "string" && record.type.endsWith("Artifact");
  for (const [key, v] of Object.entries(record)) {
    if (key === "id" || key === "timestamp") out[key] = `<${key}>`;
    else if (isArtifact && key === "name" && v === record.id) out[key] = "<id>";
    else out[key] = withoutIds(v);
  }
  return out;
}

/** A ListArtifact of tool results, each item named "{tag} output" as the framework names them. */
function toolOutputs(outputs: Record<string, string>): ListArtifact {
  const list = toArtifact(Object.values(outputs)) as ListArtifact;
  Object.keys(outputs).forEach((tag, i) => {
    (list.value[i] as Artifact).name = `${tag} output`;
  });
  return list;
}

const calculatorAction = { tag: "call_1", name: "Calculator", path: "add", input: { values: { a: 2, b: 3 } } };

/** Each fixture built with this library from the inputs the framework had, leaving every default to it. */
const BUILT: Record<string, () => EventInput<KnownEventType>> = {
  "Structure.before_run": () => ({
    type: "StartStructureRunEvent",
    structure_id: "s1",
    input_task_input: toArtifact(["What is 2+3?"]),
  }),
  "BaseTask.before_run": () => ({
    type: "StartTaskEvent",
    task_id: "t1",
    task_child_ids: ["t2"],
    task_input: toArtifact("What is 2+3?"),
  }),
  "BasePromptDriver.before_run": () => ({
    type: "StartPromptEvent",
    model: "gpt-4.1",
    prompt_stack: toPromptStack([
      { role: "system", content: "You are terse." },
      { role: "user", content: "What is 2+3?" },
    ]),
  }),
  "first tool-call chunk": () => ({ type: "ActionChunkEvent", tag: "call_1", name: "Calculator", path: "add" }),
  "later tool-call chunk": () => ({ type: "ActionChunkEvent", partial_input: '{"values": {"a": 2' }),
  "text delta": () => ({ type: "TextChunkEvent", token: "Five" }),
  "audio delta": () => ({ type: "AudioChunkEvent", data: "UklGRg==" }),
  "BasePromptDriver.after_run": () => ({
    type: "FinishPromptEvent",
    model: "gpt-4.1",
    result: "Five",
    input_token_count: 12,
    output_token_count: 1,
  }),
  "ActionsSubtask.before_run": () => ({
    type: "StartActionsSubtaskEvent",
    task_id: "st1",
    task_parent_ids: ["t1"],
    task_input: toArtifact("calc"),
    subtask_parent_task_id: "t1",
    subtask_thought: "I should add",
    subtask_actions: [calculatorAction],
  }),
  "ActionsSubtask.after_run": () => ({
    type: "FinishActionsSubtaskEvent",
    task_id: "st1",
    task_parent_ids: ["t1"],
    task_input: toArtifact("calc"),
    task_output: toolOutputs({ call_1: "5" }),
    subtask_parent_task_id: "t1",
    subtask_thought: "I should add",
    subtask_actions: [calculatorAction],
  }),
  "BaseTask.after_run": () => ({
    type: "FinishTaskEvent",
    task_id: "t1",
    task_child_ids: ["t2"],
    task_input: toArtifact("What is 2+3?"),
    task_output: toArtifact("Five"),
  }),
  "image generation start": () => ({ type: "StartImageGenerationEvent", prompts: ["a red fox"] }),
  "image generation finish": () => ({ type: "FinishImageGenerationEvent" }),
  "image query start": () => ({ type: "StartImageQueryEvent", query: "what is in it?", images_info: ["fox.png"] }),
  "image query finish": () => ({ type: "FinishImageQueryEvent", result: "a fox" }),
  "tts start": () => ({ type: "StartTextToSpeechEvent", prompts: ["hello"] }),
  "tts finish": () => ({ type: "FinishTextToSpeechEvent" }),
  "transcription start": () => ({ type: "StartAudioTranscriptionEvent" }),
  "transcription finish": () => ({ type: "FinishAudioTranscriptionEvent" }),
  "Structure.after_run": () => ({
    type: "FinishStructureRunEvent",
    structure_id: "s1",
    output_task_input: toArtifact("What is 2+3?"),
    output_task_output: toArtifact("Five"),
  }),
  "output as JsonArtifact": () => ({ type: "FinishStructureRunEvent", output_task_output: toArtifact({ answer: 5 }) }),
  "output as BooleanArtifact": () => ({ type: "FinishStructureRunEvent", output_task_output: toArtifact(true) }),
  "output as ErrorArtifact": () => ({
    type: "FinishStructureRunEvent",
    output_task_output: toArtifact(new Error("boom")),
  }),
  "output as BlobArtifact": () => ({
    type: "FinishStructureRunEvent",
    output_task_output: toArtifact(Buffer.from("hello")),
  }),
  "output as ListArtifact": () => ({ type: "FinishStructureRunEvent", output_task_output: toArtifact(["a", "b"]) }),
};

describe("python-events.json, written by the framework", () => {
  it("has an event of every known type, and every type it has is known", () => {
    expect(KNOWN_EVENT_TYPES).toHaveLength(19);
    expect(new Set(fixtures.map((f) => f.event.type))).toEqual(new Set(KNOWN_EVENT_TYPES));
  });

  it.each(cases)("%s validates with its schema, which adds and changes nothing", (_, { event }) => {
    const parsed = KNOWN_EVENT_SCHEMAS[event.type].safeParse(structuredClone(event));
    expect(parsed.error).toBeUndefined();
    expect(canonical(parsed.data)).toBe(canonical(event));
  });

  it.each(cases)("%s passes through publishEvent unchanged, key order aside", (_, { event }) => {
    const { bus, driver } = setup();
    const returned = bus.publishEvent(structuredClone(event) as never);
    expect(canonical(JSON.parse(returned.json))).toBe(canonical(event));
    expect(driver.records[0]!.json).toBe(returned.json);
    expect(returned.id).toBe(event.id);
    expect(returned.timestamp).toBe(event.timestamp);
  });

  it("every fixture has a builder below", () => {
    expect(Object.keys(BUILT).sort()).toEqual(fixtures.map((f) => f.note).sort());
  });

  it.each(cases)("%s built from the same inputs has the same keys and values", (_, { note, event }) => {
    const { bus } = setup();
    const built = JSON.parse(bus.publishEvent(BUILT[note]!() as never).json) as unknown;
    expect(canonical(withoutIds(built))).toBe(canonical(withoutIds(event)));
  });

  it("a prompt stack written with string content expands to the framework's", () => {
    const { bus } = setup();
    const fixture = fixtures.find((f) => f.event.type === "StartPromptEvent")!.event;
    const built = bus.publishEvent({
      type: "StartPromptEvent",
      model: "gpt-4.1",
      prompt_stack: {
        messages: [
          { role: "system", content: "You are terse." },
          { role: "user", content: "What is 2+3?" },
        ],
      },
    });
    expect(canonical(withoutIds(JSON.parse(built.json)))).toBe(canonical(withoutIds(fixture)));
  });
});
