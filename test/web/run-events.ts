// Builds USER events as a structure sends them and posts them to a run of an emulator under test.
import type { EventsApiEmulator, StructureRun } from "../../src/local.js";
import { formatSystemTime } from "../../src/runtime/clock.js";

let counter = 0;

/** A 32-hex id, unique in the process. */
export function hexId(): string {
  counter++;
  return counter.toString(16).padStart(32, "0");
}

export interface Envelope {
  type: string;
  timestamp: number;
  payload: Record<string, unknown>;
}

/** A POST envelope for an event of `type` with `fields` (`id`, `timestamp`, `meta` filled in). */
export function event(type: string, fields: Record<string, unknown> = {}): Envelope {
  const timestamp = Date.now() / 1000;
  return { type, timestamp, payload: { type, id: hexId(), timestamp, meta: {}, ...fields } };
}

export function artifact(type: string, value: unknown, name: string = hexId()): Record<string, unknown> {
  return { type, id: hexId(), reference: null, meta: {}, name, value };
}

export async function post(emulator: EventsApiEmulator, run: StructureRun, envelopes: Envelope[]): Promise<void> {
  const res = await fetch(`${emulator.url}/api/structure-runs/${run.structure_run_id}/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${run.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(envelopes),
  });
  if (res.status !== 202) throw new Error(`POST events answered ${res.status}: ${await res.text()}`);
}

/** STARTING then RUNNING, as startLocalRun records them. */
export function startRun(emulator: EventsApiEmulator, run: StructureRun): string {
  const startedAt = formatSystemTime();
  emulator.recordSystemEvent(run.structure_run_id, "StructureRunStarting", { status: "STARTING" });
  emulator.recordSystemEvent(run.structure_run_id, "StructureRunRunning", { status: "RUNNING", started_at: startedAt });
  return startedAt;
}

export function completeRun(emulator: EventsApiEmulator, run: StructureRun, startedAt: string, exitCode = 0): void {
  emulator.recordSystemEvent(run.structure_run_id, "StructureRunCompleted", {
    status: exitCode === 0 ? "SUCCEEDED" : "FAILED",
    started_at: startedAt,
    completed_at: formatSystemTime(),
    status_detail: { reason: exitCode === 0 ? "Completed" : "Failed", message: null, exit_code: exitCode },
  });
}

/**
 * A finished run of an agent that calls two tools and answers: prompts, chunks, tool calls, results, custom
 * events and an output, as the page shows a typical run.
 */
export async function agentRun(emulator: EventsApiEmulator, run: StructureRun): Promise<void> {
  const startedAt = startRun(emulator, run);
  const question = "What is 2 + 3, and what is the weather in Paris?";
  await post(emulator, run, [
    event("StartStructureRunEvent", {
      structure_id: run.structure_id,
      input_task_input: artifact("TextArtifact", question),
      input_task_output: null,
    }),
    event("StartPromptEvent", { model: "gpt-4.1", prompt_stack: { type: "PromptStack", messages: [] } }),
    event("ActionChunkEvent", { index: 0, tag: "call_1", name: "Calculator", path: "add", partial_input: null }),
    event("ActionChunkEvent", {
      index: 1,
      tag: "call_2",
      name: "WeatherClient",
      path: "forecast",
      partial_input: null,
    }),
    event("ActionChunkEvent", {
      index: 0,
      tag: null,
      name: null,
      path: null,
      partial_input: '{"values": {"a": 2, "b": 3}}',
    }),
    event("ActionChunkEvent", {
      index: 1,
      tag: null,
      name: null,
      path: null,
      partial_input: '{"values": {"city": "Paris"}}',
    }),
    event("FinishPromptEvent", { model: "gpt-4.1", result: "", input_token_count: 152, output_token_count: 41 }),
    event("FinishActionsSubtaskEvent", {
      task_id: "t1",
      task_parent_ids: [],
      task_child_ids: [],
      task_input: artifact("TextArtifact", question),
      subtask_parent_task_id: "t0",
      subtask_thought: "I need both tools.",
      subtask_actions: [
        { tag: "call_1", name: "Calculator", path: "add", input: { values: { a: 2, b: 3 } } },
        { tag: "call_2", name: "WeatherClient", path: "forecast", input: { values: { city: "Paris" } } },
      ],
      task_output: artifact("ListArtifact", [
        artifact("TextArtifact", "5", "call_1 output"),
        artifact(
          "JsonArtifact",
          { today: { sky: "sunny", high_c: 21 }, tomorrow: { sky: "showers", high_c: 17 } },
          "call_2 output",
        ),
      ]),
    }),
    event("ToolLatency", { tool: "WeatherClient", ms: 182 }),
    event("StartPromptEvent", { model: "gpt-4.1", prompt_stack: { type: "PromptStack", messages: [] } }),
  ]);
  const answer = "2 + 3 is 5. Paris is sunny today with a high of 21 °C; tomorrow brings showers and 17 °C.";
  await post(
    emulator,
    run,
    (answer.match(/.{1,4}/g) ?? []).map((token) => event("TextChunkEvent", { token, index: 0 })),
  );
  await post(emulator, run, [
    event("FinishPromptEvent", { model: "gpt-4.1", result: answer, input_token_count: 230, output_token_count: 24 }),
    event("CacheHit", { key: "forecast:paris" }),
    event("FinishStructureRunEvent", {
      structure_id: run.structure_id,
      output_task_input: null,
      output_task_output: artifact("TextArtifact", answer),
    }),
  ]);
  completeRun(emulator, run, startedAt);
}
