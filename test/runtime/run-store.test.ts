// The store's own promise, below the HTTP checks that usually keep bad events away from it: a batch of USER
// events is stored whole or not at all, even when the last one cannot be serialised (the HTTP depth check refuses
// such bodies first; this holds if that check ever lets one through).
import { describe, expect, it } from "vitest";
import type { UserEventEnvelope } from "../../src/index.js";
import { RunStore } from "../../src/runtime/run-store.js";

function envelope(id: string, payload: Record<string, unknown> = {}): UserEventEnvelope {
  return { type: "E", timestamp: 1.5, payload: { type: "E", id, ...payload } } as UserEventEnvelope;
}

describe("RunStore.appendUserEvents", () => {
  it("an event that cannot be serialised in the last place: it throws, and nothing of the batch is stored or seen", () => {
    const stored: string[] = [];
    const store = new RunStore({ onStored: (e) => stored.push(e.detail.type) });
    const run = store.createRun();
    const seen: unknown[] = [];
    store.subscribe(run.structure_run_id, (e) => seen.push(e));
    const unserialisable = [envelope("a"), envelope("b"), envelope("c", { n: 10n })];
    expect(() => store.appendUserEvents(run.structure_run_id, unserialisable)).toThrow(TypeError);
    expect(store.eventCount(run.structure_run_id)).toBe(0);
    expect(stored).toEqual([]);
    expect(seen).toEqual([]);

    // The retry, now serialisable, stores each event once, in order, and every reader sees them.
    store.appendUserEvents(run.structure_run_id, [envelope("a"), envelope("b"), envelope("c")]);
    expect(store.events(run.structure_run_id).map((e) => (e.payload as unknown as { id: string }).id)).toEqual([
      "a",
      "b",
      "c",
    ]);
    expect(stored).toEqual(["E", "E", "E"]);
    expect(seen).toHaveLength(3);
  });

  it("a FinishStructureRunEvent before the failing event does not set the run's output", () => {
    const store = new RunStore();
    const run = store.createRun();
    const finish = {
      type: "FinishStructureRunEvent",
      timestamp: 1.5,
      payload: {
        type: "FinishStructureRunEvent",
        id: "f",
        output_task_output: { type: "TextArtifact", value: "lost?" },
      },
    } as unknown as UserEventEnvelope;
    expect(() => store.appendUserEvents(run.structure_run_id, [finish, envelope("x", { n: 1n })])).toThrow();
    expect(store.resource(run.structure_run_id)?.output).toBeNull();
  });
});
