// The page's fold of events (src/web/run-model.ts) is plain TypeScript with no DOM: its properties are checked
// here in Node, over many generated runs, beside the browser tests that check what the page shows.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KNOWN_EVENT_SCHEMAS } from "../../src/index.js";
import { KNOWN_EVENT_TYPES } from "../../src/web/known-events.js";
import { RunModel } from "../../src/web/run-model.js";
import type { EventDetail } from "../../src/web/wire.js";

let n = 0;
function user(type: string, fields: Record<string, unknown> = {}): EventDetail {
  n++;
  const id = n.toString(16).padStart(32, "0");
  return {
    event_id: id,
    timestamp: n,
    type,
    payload: { type, id, timestamp: n, meta: {}, ...fields },
    created_at: undefined,
    origin: "USER",
  };
}

/** The same event stored again (an at-least-once retry): same payload, a new stored event id. */
function redelivered(event: EventDetail): EventDetail {
  return { ...event, event_id: `${event.event_id}-again` };
}

describe("the web view's known event types", () => {
  it("include every type the library knows (the page lists any other type as a custom event)", () => {
    for (const type of Object.keys(KNOWN_EVENT_SCHEMAS)) expect(KNOWN_EVENT_TYPES.has(type), type).toBe(true);
    expect(KNOWN_EVENT_TYPES.size).toBe(19);
  });
});

describe("RunModel", () => {
  it("property: redelivered events change nothing; the prompt's text is its tokens in order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1 }), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (tokens, repeats) => {
          const events = [
            user("StartPromptEvent", { model: "m" }),
            ...tokens.map((token, index) => user("TextChunkEvent", { token, index })),
          ];
          const delivered = [...events];
          // Each repeat re-delivers an event at a later position, as a retried batch arrives after the first.
          for (const r of repeats) {
            const source = r % delivered.length;
            const at = source + 1 + (Math.floor(r / 7) % (delivered.length - source));
            delivered.splice(at, 0, redelivered(delivered[source]!));
          }
          const model = new RunModel();
          for (const e of delivered) model.apply(e);
          expect(model.events.map((e) => e.payload.id)).toEqual(events.map((e) => e.payload.id));
          expect(model.duplicates).toBe(delivered.length - events.length);
          expect(model.prompts[0]?.chunks.join("")).toBe(tokens.join(""));
        },
      ),
    );
  });

  it("property: interleaved ActionChunkEvents assemble each call's input from its own index", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string(), { maxLength: 6 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (inputs, order) => {
          const model = new RunModel();
          model.apply(user("StartPromptEvent", { model: "m" }));
          for (const index of inputs.keys()) {
            model.apply(user("ActionChunkEvent", { index, tag: `call_${index}`, name: `Tool${index}`, path: "run" }));
          }
          // Deltas of all calls, interleaved in a random order that keeps each call's own order.
          const queues = inputs.map((parts) => [...parts]);
          for (const pick of [...order, ...inputs.flatMap((p, i) => p.map(() => i))]) {
            const index = pick % queues.length;
            const delta = queues[index]!.shift();
            if (delta !== undefined) model.apply(user("ActionChunkEvent", { index, partial_input: delta }));
          }
          const calls = model.prompts[0]!.toolCalls;
          expect(calls.map((c) => c.tag)).toEqual(inputs.map((_, i) => `call_${i}`));
          expect(calls.map((c) => c.input)).toEqual(inputs.map((parts) => parts.join("")));
        },
      ),
    );
  });

  it("matches FinishActionsSubtaskEvent results to the calls by tag ('<tag> output')", () => {
    const model = new RunModel();
    model.apply(user("StartPromptEvent", { model: "m" }));
    model.apply(user("ActionChunkEvent", { index: 0, tag: "a", name: "A", path: "x" }));
    model.apply(user("ActionChunkEvent", { index: 1, tag: "b", name: "B", path: "y" }));
    model.apply(user("FinishPromptEvent", { model: "m", result: "" }));
    const result = (name: string, value: string) => ({ type: "TextArtifact", name, value });
    model.apply(
      user("FinishActionsSubtaskEvent", {
        subtask_actions: [
          { tag: "a", name: "A", path: "x", input: { v: 1 } },
          { tag: "b", name: "B", path: "y", input: { v: 2 } },
          { tag: "c", name: "C", path: "z", input: { v: 3 } },
        ],
        task_output: {
          type: "ListArtifact",
          value: [result("b output", "B!"), result("a output", "A!"), result("c output", "C!")],
        },
      }),
    );
    const calls = model.prompts[0]!.toolCalls;
    expect(calls.map((c) => [c.tag, (c.result as { value: string }).value, c.input])).toEqual([
      ["a", "A!", '{"v":1}'],
      ["b", "B!", '{"v":2}'],
      ["c", "C!", '{"v":3}'],
    ]);
  });

  it("property: any payload under any type is folded without throwing", () => {
    const types = [...KNOWN_EVENT_TYPES, "Custom", "StructureRunCompleted"];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...types), fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean()), {
          maxLength: 30,
        }),
        (events) => {
          const model = new RunModel();
          for (const [type, fields, system] of events) {
            const e = user(type, fields);
            model.apply(system ? { ...e, origin: "SYSTEM" } : e);
          }
          model.takeChanges();
        },
      ),
    );
  });
});
