/**
 * How the Griptape Python framework names and records a tool call (see docs/adapters.md): the native tool name is
 * split on its first `_` into the tool's name and the activity's path, and an ActionsSubtask records each call as
 * `{tag, name, path, input}` with the input nested under `values`.
 */
import type * as z from "zod";
import type { SubtaskActionSchema } from "../events/event-schemas.js";
import type { JsonObjectInput, JsonValueInput } from "../events/json-value.js";

/** A tool call as an ActionsSubtask lists it in `subtask_actions`: the catalogue's own input shape. */
export type ToolActionDict = z.input<typeof SubtaskActionSchema>;

/** `"Calculator_add"` → `{name: "Calculator", path: "add"}`; a name without `_` has no path (Python's `from_native_tool_name`). */
export function splitToolName(toolName: string): { name: string; path: string | null } {
  const at = toolName.indexOf("_");
  return at < 0 ? { name: toolName, path: null } : { name: toolName.slice(0, at), path: toolName.slice(at + 1) };
}

/**
 * The input as the ActionsSubtask stores it: Griptape's activities take their arguments under `values`, and the
 * framework nests the input there itself when a model left it out, so a Python reader always finds `input.values`.
 */
export function actionInput(input: unknown): JsonObjectInput {
  // What a model sent as arguments is JSON (parsed from its text) or the SDK's own parse of it; publishEvent checks
  // it as it checks every field, so a non-JSON value is refused there, with the event.
  if (isRecord(input) && Object.hasOwn(input, "values")) return input as JsonObjectInput;
  return { values: (input === undefined ? {} : input) as JsonValueInput };
}

/**
 * One entry of `subtask_actions`. Python's `actions_to_dicts` leaves out a key whose value is empty (a tool name
 * without `_` has no `path`), and so does this.
 */
export function toolActionDict(tag: string, toolName: string, input: unknown): ToolActionDict {
  const { name, path } = splitToolName(toolName);
  const dict: ToolActionDict = {};
  if (tag !== "") dict.tag = tag;
  if (name !== "") dict.name = name;
  if (path !== null && path !== "") dict.path = path;
  dict.input = actionInput(input);
  return dict;
}

/** Parses a tool call's JSON arguments; the raw text when they are not JSON (a truncated or malformed call). */
export function parseToolArguments(text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
