import { expect } from "vitest";
import type { PublishEvent } from "../../src/ai-sdk.js";
import { isKnownEventType } from "../../src/events/event-schemas.js";
import {
  ArtifactSchema,
  type Event,
  EventBus,
  EventListener,
  KNOWN_EVENT_SCHEMAS,
  MemoryEventListenerDriver,
} from "../../src/index.js";
import { readFixture } from "../support/fixtures.js";

/** A real bus with a memory driver: what the adapters publish, as serialised at publish. */
export class Recorder {
  readonly bus = new EventBus();
  readonly #memory = new MemoryEventListenerDriver();
  readonly publishEvent: PublishEvent;

  constructor() {
    this.bus.addEventListener(new EventListener({ driver: this.#memory }));
    this.publishEvent = this.bus.publishEvent.bind(this.bus) as PublishEvent;
  }

  get events(): WireEvent[] {
    return this.#memory.events as WireEvent[];
  }
}

export type WireEvent = Event & Record<string, unknown>;

interface ArtifactLike {
  type: string;
  name: string;
  value: unknown;
}

/**
 * An event in a few words, so a test can assert the exact sequence: the type and the fields that carry meaning
 * (never ids or timestamps).
 */
export function brief(event: WireEvent): unknown[] {
  const e = event as Record<string, unknown>;
  const interrupted = (e.meta as Record<string, unknown>).interrupted;
  switch (event.type) {
    case "StartPromptEvent": {
      const stack = e.prompt_stack as { messages: { role: string; content: { artifact: { value: string } }[] }[] };
      return [event.type, e.model, stack.messages.map((m) => [m.role, ...m.content.map((c) => c.artifact.value)])];
    }
    case "TextChunkEvent":
      return [event.type, e.index, e.token];
    case "ActionChunkEvent":
      return [event.type, e.index, e.tag, e.name, e.path, e.partial_input];
    case "FinishPromptEvent":
      return [
        event.type,
        e.model,
        e.result,
        e.input_token_count,
        e.output_token_count,
        ...(interrupted === undefined ? [] : [`interrupted: ${String(interrupted)}`]),
      ];
    case "StartActionsSubtaskEvent":
    case "FinishActionsSubtaskEvent": {
      const output = e.task_output as { value: ArtifactLike[] } | null;
      return [
        event.type,
        e.subtask_thought,
        e.subtask_actions,
        output === null ? null : output.value.map((a) => [a.name, a.type, a.value]),
      ];
    }
    default:
      return [event.type, e.index, e.token];
  }
}

const pythonEvents = (readFixture("python-events.json") as { note: string; event: WireEvent }[]).map((e) => e.event);

function pythonEvent(event: WireEvent): WireEvent {
  const sameType = pythonEvents.filter((p) => p.type === event.type);
  if (event.type === "ActionChunkEvent") {
    // The fixture has the header chunk (tag, name, path set) and a later chunk (only partial_input).
    const header = event.tag !== null;
    const match = sameType.find((p) => (p.tag !== null) === header);
    if (match !== undefined) return match;
  }
  const match = sameType[0];
  if (match === undefined) throw new Error(`no ${event.type} in python-events.json`);
  return match;
}

/** Fields the Python classes let hold null or a value (the `|null` of the wire format's field table). */
const NULLABLE = new Set([
  "partial_input",
  "tag",
  "name",
  "path",
  "input_token_count",
  "output_token_count",
  "task_output",
  "subtask_parent_task_id",
  "subtask_thought",
  "subtask_actions",
  "reference",
  "input_tokens",
  "output_tokens",
]);

/** Values whose inside is free-form: compared by type only. */
const FREE = new Set(["meta", "input"]);

/**
 * Holds an emitted event to the Python framework's own event of the same type (test/fixtures/python-events.json):
 * the same key set at every level (a Python reader fails on an extra or a missing key of a known type), the same
 * value types (null only where Python allows it), arrays item by item against the fixture's first item, artifacts
 * by their own type. Known types are also checked with the library's schemas, and every artifact with ArtifactSchema.
 */
export function expectPythonShape(event: WireEvent): void {
  const expected = pythonEvent(event);
  compare(event, expected, event.type);
  if (isKnownEventType(event.type)) {
    const parsed = KNOWN_EVENT_SCHEMAS[event.type].safeParse(event);
    expect(parsed.success, `${event.type} fails its schema: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
  }
}

function compare(actual: unknown, expected: unknown, path: string): void {
  const key =
    path
      .split(".")
      .at(-1)
      ?.replace(/\[\d+\]$/, "") ?? "";
  if (expected === null || actual === null) {
    if (expected === actual) return;
    expect(NULLABLE.has(key), `${path}: ${JSON.stringify(actual)} where Python has ${JSON.stringify(expected)}`).toBe(
      true,
    );
    return;
  }
  expect(kind(actual), `${path}: type`).toBe(kind(expected));
  if (FREE.has(key)) return;
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (expected.length === 0) return;
    for (const [i, item] of actual.entries()) compare(item, expected[0], `${path}[${i}]`);
    return;
  }
  if (kind(actual) !== "object") return;
  const a = actual as Record<string, unknown>;
  const x = expected as Record<string, unknown>;
  if (isArtifact(x)) {
    const parsed = ArtifactSchema.safeParse(a);
    expect(parsed.success, `${path}: not a valid artifact: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    expect(Object.keys(a).sort(), `${path}: artifact keys`).toEqual(Object.keys(x).sort());
    // Artifacts of another type than the fixture's carry another kind of value (an ErrorArtifact's message…).
    if (a.type !== x.type) return;
  } else if (/subtask_actions\[\d+\]$/.test(path)) {
    // Python's actions_to_dicts leaves out a key whose value is empty (a tool name without `_` has no path).
    expect(Object.keys(a).sort(), `${path}: keys`).toEqual(
      Object.keys(x)
        .filter((k) => k in a)
        .sort(),
    );
    expect(a, `${path}: input`).toHaveProperty("input");
  } else {
    expect(Object.keys(a).sort(), `${path}: keys`).toEqual(Object.keys(x).sort());
  }
  for (const k of Object.keys(x)) if (k in a) compare(a[k], x[k], `${path}.${k}`);
}

function isArtifact(value: Record<string, unknown>): boolean {
  return typeof value.type === "string" && value.type.endsWith("Artifact");
}

function kind(value: unknown): string {
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** The Griptape types the adapters publish. */
const ADAPTER_TYPES = new Set([
  "StartPromptEvent",
  "FinishPromptEvent",
  "TextChunkEvent",
  "ActionChunkEvent",
  "StartActionsSubtaskEvent",
  "FinishActionsSubtaskEvent",
]);

/** Every adapter event, held to the Python shape of its type; returns how many were held. */
export function expectAllPythonShaped(events: readonly WireEvent[]): number {
  const griptape = events.filter((e) => ADAPTER_TYPES.has(e.type));
  for (const event of griptape) expectPythonShape(event);
  return griptape.length;
}
