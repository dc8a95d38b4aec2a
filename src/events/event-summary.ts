import { isKnownEventType, KNOWN_EVENT_SCHEMAS, type KnownEventOf, type KnownEventType } from "./event-schemas.js";
import { printable } from "./printable.js";

const BASE_KEYS = new Set(["type", "id", "timestamp", "meta"]);
const MAX_SUMMARY_CHARS = 240;
const MAX_QUOTE_CHARS = 80;

type Summaries = { [K in KnownEventType]: (event: KnownEventOf<K>) => string };

/** What a person wants to see of each known type on one line. */
const SUMMARIES: Summaries = {
  StartStructureRunEvent: (e) =>
    words(e.structure_id !== null && `structure ${e.structure_id}`, `input ${show(e.input_task_input)}`),
  FinishStructureRunEvent: (e) =>
    words(e.structure_id !== null && `structure ${e.structure_id}`, `output ${show(e.output_task_output)}`),
  StartTaskEvent: (e) => `task ${e.task_id} input ${show(e.task_input)}`,
  FinishTaskEvent: (e) => `task ${e.task_id} output ${show(e.task_output)}`,
  StartActionsSubtaskEvent: (e) =>
    words(
      `subtask ${e.task_id}`,
      e.subtask_parent_task_id !== null && `of ${e.subtask_parent_task_id}`,
      e.subtask_actions?.map((a) => `${call(a.name, a.path)}(${clip(JSON.stringify(a.input))})`).join(", "),
      e.subtask_thought !== null && `thought ${quote(e.subtask_thought)}`,
    ),
  FinishActionsSubtaskEvent: (e) => `subtask ${e.task_id} output ${show(e.task_output)}`,
  StartPromptEvent: (e) => {
    const messages = e.prompt_stack.messages;
    const last = messages.at(-1);
    const text = last?.content.map((c) => (c.type === "TextMessageContent" ? c.artifact.value : c.type));
    const count = `${messages.length} message${messages.length === 1 ? "" : "s"}`;
    const tail = last === undefined ? "" : `, last ${last.role}: ${show(text?.length === 1 ? text[0] : text)}`;
    return `${e.model}, ${count}${tail}`;
  },
  FinishPromptEvent: (e) =>
    words(
      `${e.model} → ${quote(e.result)}`,
      (e.input_token_count !== null || e.output_token_count !== null) &&
        `(${e.input_token_count ?? "?"} in, ${e.output_token_count ?? "?"} out tokens)`,
    ),
  TextChunkEvent: (e) => words(e.index !== 0 && `#${e.index}`, quote(e.token)),
  ActionChunkEvent: (e) =>
    words(
      e.index !== 0 && `#${e.index}`,
      e.tag,
      e.name !== null && call(e.name, e.path),
      e.partial_input !== null && quote(e.partial_input),
    ),
  AudioChunkEvent: (e) =>
    words(e.index !== 0 && `#${e.index}`, `${Buffer.byteLength(e.data, "base64")} bytes of audio`),
  StartImageGenerationEvent: (e) =>
    words(
      e.prompts.map(quote).join(", "),
      e.negative_prompts !== null && `not ${e.negative_prompts.map(quote).join(", ")}`,
    ),
  FinishImageGenerationEvent: () => "",
  StartImageQueryEvent: (e) => words(quote(e.query), e.images_info.length > 0 && `on ${e.images_info.join(", ")}`),
  FinishImageQueryEvent: (e) => `→ ${quote(e.result)}`,
  StartTextToSpeechEvent: (e) => e.prompts.map(quote).join(", "),
  FinishTextToSpeechEvent: () => "",
  StartAudioTranscriptionEvent: () => "",
  FinishAudioTranscriptionEvent: () => "",
};

/**
 * One readable line of an event, for the local views (pretty printer, live view): a sentence of its own for each
 * known type (`gpt-4.1 → "Five" (12 in, 1 out tokens)`), `key=value …` for anything else, artifacts shown by
 * their value. Control characters are escaped: the event comes from structure code or from any Events API.
 */
export function summarizeEvent(event: Record<string, unknown>): string {
  const type = event.type;
  let text: string | undefined;
  if (typeof type === "string" && isKnownEventType(type)) {
    // An event read back from an Events API may come from another producer: only what the schema accepts is
    // summarised as its type, anything else field by field.
    const parsed = KNOWN_EVENT_SCHEMAS[type].safeParse(event);
    if (parsed.success) text = (SUMMARIES[type] as (e: unknown) => string)(parsed.data);
  }
  text ??= fieldsOf(event);
  text = printable(text);
  return text.length > MAX_SUMMARY_CHARS ? `${text.slice(0, MAX_SUMMARY_CHARS - 1)}…` : text;
}

/** `key=value …` of an event's own fields, null fields left out. */
function fieldsOf(event: Record<string, unknown>): string {
  const fields = Object.entries(event).filter(([key, value]) => !BASE_KEYS.has(key) && value !== null);
  return fields.map(([key, value]) => `${key}=${JSON.stringify(artifactValue(value))}`).join(" ");
}

/** An artifact's value (a list artifact's values, recursively); anything else as it is. */
export function artifactValue(value: unknown): unknown {
  if (typeof value === "object" && value !== null && "value" in value && "type" in value) {
    const inner = (value as { value: unknown }).value;
    return Array.isArray(inner) ? inner.map(artifactValue) : inner;
  }
  return value;
}

/** An artifact by its value (an error as such, bytes by their count), or any other value as JSON. */
function show(value: unknown): string {
  if (value === null || value === undefined) return "(none)";
  const type = (value as { type?: unknown }).type;
  const inner = (value as { value?: unknown }).value;
  if (type === "ErrorArtifact" && typeof inner === "string") return `error ${quote(inner)}`;
  if (type === "BlobArtifact" && typeof inner === "string") return `${Buffer.byteLength(inner, "base64")} bytes`;
  return clip(JSON.stringify(artifactValue(value)) ?? "");
}

function quote(text: string): string {
  return clip(JSON.stringify(text));
}

function call(name: string | undefined, path: string | null | undefined): string {
  // Python leaves out empty keys of an action (actions_to_dicts).
  return path === null || path === undefined ? (name ?? "?") : `${name ?? "?"}.${path}`;
}

function clip(text: string): string {
  return text.length > MAX_QUOTE_CHARS ? `${text.slice(0, MAX_QUOTE_CHARS - 1)}…` : text;
}

function words(...parts: (string | false | null | undefined)[]): string {
  return parts.filter((p): p is string => typeof p === "string" && p !== "").join(" ");
}
