import type { Artifact } from "../events/artifacts.js";
import { makeArtifact, makeListArtifact } from "../events/artifacts.js";
import { newEventId } from "../events/ids.js";
import { toolOutputArtifact } from "./action-artifacts.js";
import type { PublishEvent } from "./publish-event.js";
import { type ToolActionDict, toolActionDict } from "./tool-action.js";

/** A tool call and what came of it. */
export interface ToolOutcome {
  /** The call id (`toolCallId`, `tool_call.id`, `call_id`): Griptape's tag. */
  readonly tag: string;
  /** The native tool name, split into name and path as Griptape does. */
  readonly toolName: string;
  readonly input: unknown;
  /** The tool's result, or what it threw when `isError`. */
  readonly output: unknown;
  readonly isError: boolean;
}

export interface ActionsSubtaskContext {
  /** The text the model wrote in the step before calling the tools; Griptape's thought. */
  readonly thought: string;
  /** `subtask_parent_task_id`: the task the structure publishes Start/FinishTaskEvents for, if any. */
  readonly taskId: string | null;
  /** The previous subtask of the same run, which Griptape lists as this one's parent. */
  readonly previousSubtaskId: string | null;
}

/**
 * Publishes what the Python framework's ActionsSubtask publishes around running a step's tool calls:
 * `StartActionsSubtaskEvent` (the calls, no output yet), then `FinishActionsSubtaskEvent` (the outputs as a
 * ListArtifact of `"{tag} output"` artifacts, an ErrorArtifact for a call that failed). Returns the subtask id.
 */
export function publishActionsSubtask(
  publishEvent: PublishEvent,
  outcomes: readonly ToolOutcome[],
  context: ActionsSubtaskContext,
): string {
  const taskId = newEventId();
  const actions: ToolActionDict[] = outcomes.map((o) => toolActionDict(o.tag, o.toolName, o.input));
  const outputs: Artifact[] = outcomes.map((o) => toolOutputArtifact(o.tag, o.output, o.isError));
  const fields = {
    task_id: taskId,
    task_parent_ids: context.previousSubtaskId === null ? [] : [context.previousSubtaskId],
    task_child_ids: [],
    task_input: makeArtifact("TextArtifact", context.thought),
  };
  const subtask = {
    subtask_parent_task_id: context.taskId,
    subtask_thought: context.thought === "" ? null : context.thought,
    subtask_actions: actions,
  };
  publishEvent({ type: "StartActionsSubtaskEvent", ...fields, task_output: null, ...subtask });
  publishEvent({ type: "FinishActionsSubtaskEvent", ...fields, task_output: makeListArtifact(outputs), ...subtask });
  return taskId;
}
