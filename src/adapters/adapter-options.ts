import * as z from "zod";
import { ConfigError } from "../errors.js";
import { isKnownEventType } from "../events/event-schemas.js";
import type { StepSettings } from "./step-events.js";

/** The options every adapter takes. */
export interface AdapterOptions {
  /**
   * Stops reading: the stream is cancelled, the open step is closed with what it had, and the adapter rejects with
   * `StreamAbortedError`. Pass `runStructure`'s `signal`.
   */
  signal?: AbortSignal | undefined;
  /**
   * Reasoning deltas are not a Griptape event type; set a custom type name (e.g. `"ReasoningChunkEvent"`) to
   * publish them as `{type, token, index}`. Default: not published.
   */
  reasoningEventType?: string | undefined;
  /** `subtask_parent_task_id` of the ActionsSubtask events, when you publish Start/FinishTaskEvent yourself. */
  taskId?: string | undefined;
}

/** Defaults of `AdapterOptions`, in one place. */
export const DEFAULT_ADAPTER_OPTIONS = {
  reasoningEventType: undefined,
  taskId: null,
} as const satisfies Omit<StepSettings, "model">;

const OptionsSchema = z.object({
  signal: z.instanceof(AbortSignal).optional(),
  reasoningEventType: z
    .string()
    .min(1)
    .refine((type) => !isKnownEventType(type), "must not be a Griptape event type: reasoning is not one")
    .optional(),
  taskId: z.string().optional(),
  model: z.string().optional(),
});

/** Validates the options once, at the call, and gives the settings the step mapping uses. */
export function resolveStepSettings(options: AdapterOptions, model: string | undefined): StepSettings {
  const parsed = OptionsSchema.safeParse({
    signal: options.signal,
    reasoningEventType: options.reasoningEventType,
    taskId: options.taskId,
    model,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? "options");
    throw new ConfigError(key, `option ${key} is invalid: ${issue?.message ?? "unknown problem"}`);
  }
  return {
    model: parsed.data.model,
    reasoningEventType: parsed.data.reasoningEventType ?? DEFAULT_ADAPTER_OPTIONS.reasoningEventType,
    taskId: parsed.data.taskId ?? DEFAULT_ADAPTER_OPTIONS.taskId,
  };
}
