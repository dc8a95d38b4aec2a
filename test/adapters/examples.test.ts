import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type EventDetail, EventDetailSchema } from "../../src/local.js";
import { cleanEnv, killChildren, spawnTs, waitForStdout } from "../support/child-processes.js";
import { expectAllPythonShaped, type WireEvent } from "./adapter-harness.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(ROOT, "src/cli/main.ts");

afterEach(() => {
  killChildren();
});

function run(example: string, ...args: string[]) {
  return spawnTs(CLI, ["run", "--json", "--", "node", "--import", "tsx", join(ROOT, "examples", example), ...args], {
    env: cleanEnv(),
    cwd: ROOT,
  });
}

function userEvents(stdout: string): WireEvent[] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => EventDetailSchema.parse(JSON.parse(line)))
    .filter((e: EventDetail) => e.origin === "USER")
    .map((e) => e.payload as WireEvent);
}

const TOOL_LOOP = [
  "StartStructureRunEvent",
  "StartPromptEvent",
  "ActionChunkEvent",
  "FinishPromptEvent",
  "StartActionsSubtaskEvent",
  "FinishActionsSubtaskEvent",
  "StartPromptEvent",
  "TextChunkEvent",
  "FinishPromptEvent",
  "FinishStructureRunEvent",
];

/** The distinct event types in order, runs of the same type counted once. */
function shape(events: readonly WireEvent[]): string[] {
  return events.map((e) => e.type).filter((type, i, all) => type !== all[i - 1]);
}

describe("examples run offline under `structure-run-events run`", () => {
  it.each([
    ["ai-sdk-agent.ts", ["StartStructureRunEvent", "StartPromptEvent", "TextChunkEvent", ...TOOL_LOOP.slice(2)]],
    ["openai-agent.ts", TOOL_LOOP],
  ])("%s: a tool loop whose events are the Python ones, and the answer as the output", async (example, expected) => {
    const { code, stdout } = await run(example, "What", "is", "40+2?").done;
    expect(code).toBe(0);
    const events = userEvents(stdout);
    expect(shape(events)).toEqual(expected);
    const finish = events.at(-1) as { output_task_output: { type: string; value: unknown } };
    expect(finish.output_task_output).toMatchObject({ type: "TextArtifact", value: "The answer is 42." });
    const subtask = events.find((e) => e.type === "FinishActionsSubtaskEvent") as {
      task_output: { value: { name: string; value: unknown }[] };
    };
    expect(subtask.task_output.value).toMatchObject([{ name: "call_1 output", value: "42" }]);
    expectAllPythonShaped(events);
  });

  it("Ctrl-C during the AI SDK stream: the open prompt is finished as aborted, then the run ends CANCELLED", async () => {
    const { child, done } = run("ai-sdk-agent.ts");
    await waitForStdout(child, '"TextChunkEvent"');
    child.kill("SIGINT");
    const { code, stdout } = await done;
    expect(code).toBe(130);
    const events = userEvents(stdout);
    const finishPrompt = events.findLast((e) => e.type === "FinishPromptEvent");
    expect(finishPrompt?.meta).toEqual({ interrupted: "abort" });
    expect(events.at(-1)).toMatchObject({
      type: "FinishStructureRunEvent",
      output_task_output: { type: "ErrorArtifact" },
    });
    expectAllPythonShaped(events);
  });
});
