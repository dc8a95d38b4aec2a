import * as z from "zod";
import { ArtifactSchema } from "./artifacts.js";
import { newEventId, nowSeconds } from "./ids.js";
import { EventIdSchema, JsonObjectSchema, JsonValueSchema } from "./json-value.js";
import { PromptStackSchema, TokenCountSchema } from "./prompt-stack.js";

// One schema per event class of the Griptape Python framework v1.12.0 (see docs/wire-format.md): the single
// source of truth, TypeScript types inferred from it. Key order is the wire's: type, id, timestamp, meta, then
// the class's fields, and zod keeps it. A field the Python class defaults is optional here and gets the same
// default; a field it requires is required, except where the library can fill a value the framework accepts
// (null for a nullable one, [] for a list of ids). Strict: the framework's reader (BaseEvent.from_dict) calls
// the class's constructor with every key, which raises TypeError on a key it does not know; own data goes in `meta`.

const baseShape = {
  id: EventIdSchema.default(() => newEventId()),
  timestamp: z
    .number()
    .nonnegative()
    .default(() => nowSeconds()),
  meta: JsonObjectSchema.default(() => ({})),
};

function eventSchema<T extends string, S extends z.ZodRawShape>(type: T, fields: S) {
  return z.strictObject({ type: z.literal(type), ...baseShape, ...fields });
}

const artifactOrNull = ArtifactSchema.nullable().default(null);
const stringOrNull = z.string().nullable().default(null);
const tokenCountOrNull = TokenCountSchema.nullable().default(null);
const ids = z.array(z.string()).default(() => []);
const strings = z.array(z.string());
const chunkIndex = z.int().nonnegative().default(0);

/** One of an actions subtask's tool calls, as the framework lists them (plain dicts in Python). */
// The framework types `subtask_actions` as a list of plain dicts and writes each with its empty keys left out
// (`ActionsSubtask.actions_to_dicts`): every key is optional, and nothing is filled in that Python would not write.
export const SubtaskActionSchema = z
  .object({
    tag: z.string().optional(),
    name: z.string().optional(),
    path: z.string().nullable().optional(),
    input: JsonObjectSchema.optional(),
  })
  .catchall(JsonValueSchema);

export const StartStructureRunEventSchema = eventSchema("StartStructureRunEvent", {
  structure_id: stringOrNull,
  input_task_input: ArtifactSchema,
  input_task_output: artifactOrNull,
});

export const FinishStructureRunEventSchema = eventSchema("FinishStructureRunEvent", {
  structure_id: stringOrNull,
  output_task_input: artifactOrNull,
  output_task_output: artifactOrNull,
});

const taskFields = {
  task_id: z.string(),
  task_parent_ids: ids,
  task_child_ids: ids,
  task_input: ArtifactSchema,
  task_output: artifactOrNull,
};
export const StartTaskEventSchema = eventSchema("StartTaskEvent", taskFields);
export const FinishTaskEventSchema = eventSchema("FinishTaskEvent", taskFields);

const subtaskFields = {
  ...taskFields,
  subtask_parent_task_id: stringOrNull,
  subtask_thought: stringOrNull,
  subtask_actions: z.array(SubtaskActionSchema).nullable().default(null),
};
export const StartActionsSubtaskEventSchema = eventSchema("StartActionsSubtaskEvent", subtaskFields);
/** Tool results go in `task_output`: a ListArtifact whose items are named `"{tag} output"`. */
export const FinishActionsSubtaskEventSchema = eventSchema("FinishActionsSubtaskEvent", subtaskFields);

export const StartPromptEventSchema = eventSchema("StartPromptEvent", {
  model: z.string(),
  prompt_stack: PromptStackSchema,
});

export const FinishPromptEventSchema = eventSchema("FinishPromptEvent", {
  model: z.string(),
  result: z.string(),
  input_token_count: tokenCountOrNull,
  output_token_count: tokenCountOrNull,
});

export const TextChunkEventSchema = eventSchema("TextChunkEvent", { index: chunkIndex, token: z.string() });

export const ActionChunkEventSchema = eventSchema("ActionChunkEvent", {
  index: chunkIndex,
  partial_input: stringOrNull,
  tag: stringOrNull,
  name: stringOrNull,
  path: stringOrNull,
});

export const AudioChunkEventSchema = eventSchema("AudioChunkEvent", { index: chunkIndex, data: z.base64() });

export const StartImageGenerationEventSchema = eventSchema("StartImageGenerationEvent", {
  prompts: strings,
  negative_prompts: strings.nullable().default(null),
});
export const FinishImageGenerationEventSchema = eventSchema("FinishImageGenerationEvent", {});

export const StartImageQueryEventSchema = eventSchema("StartImageQueryEvent", {
  query: z.string(),
  images_info: strings,
});
export const FinishImageQueryEventSchema = eventSchema("FinishImageQueryEvent", { result: z.string() });

export const StartTextToSpeechEventSchema = eventSchema("StartTextToSpeechEvent", { prompts: strings });
export const FinishTextToSpeechEventSchema = eventSchema("FinishTextToSpeechEvent", {});

export const StartAudioTranscriptionEventSchema = eventSchema("StartAudioTranscriptionEvent", {});
export const FinishAudioTranscriptionEventSchema = eventSchema("FinishAudioTranscriptionEvent", {});

/** Schemas of the event types the Griptape framework defines, by `type`. */
export const KNOWN_EVENT_SCHEMAS = {
  StartStructureRunEvent: StartStructureRunEventSchema,
  FinishStructureRunEvent: FinishStructureRunEventSchema,
  StartTaskEvent: StartTaskEventSchema,
  FinishTaskEvent: FinishTaskEventSchema,
  StartActionsSubtaskEvent: StartActionsSubtaskEventSchema,
  FinishActionsSubtaskEvent: FinishActionsSubtaskEventSchema,
  StartPromptEvent: StartPromptEventSchema,
  FinishPromptEvent: FinishPromptEventSchema,
  TextChunkEvent: TextChunkEventSchema,
  ActionChunkEvent: ActionChunkEventSchema,
  AudioChunkEvent: AudioChunkEventSchema,
  StartImageGenerationEvent: StartImageGenerationEventSchema,
  FinishImageGenerationEvent: FinishImageGenerationEventSchema,
  StartImageQueryEvent: StartImageQueryEventSchema,
  FinishImageQueryEvent: FinishImageQueryEventSchema,
  StartTextToSpeechEvent: StartTextToSpeechEventSchema,
  FinishTextToSpeechEvent: FinishTextToSpeechEventSchema,
  StartAudioTranscriptionEvent: StartAudioTranscriptionEventSchema,
  FinishAudioTranscriptionEvent: FinishAudioTranscriptionEventSchema,
} as const;

export type KnownEventType = keyof typeof KNOWN_EVENT_SCHEMAS;

/** The known type names, in the order of KNOWN_EVENT_SCHEMAS. */
export const KNOWN_EVENT_TYPES = Object.keys(KNOWN_EVENT_SCHEMAS) as readonly KnownEventType[];

export function isKnownEventType(type: string): type is KnownEventType {
  return Object.hasOwn(KNOWN_EVENT_SCHEMAS, type);
}

/** Any other `type` is a custom USER event: the base fields are checked, the rest is sent as given. */
export const CustomEventSchema = z.looseObject({ type: z.string().min(1), ...baseShape });

/** A known event in wire form, discriminated on `type`. */
export type KnownEvent = {
  [K in KnownEventType]: z.output<(typeof KNOWN_EVENT_SCHEMAS)[K]>;
}[KnownEventType];

/** The known event of type `K` in wire form. */
export type KnownEventOf<K extends KnownEventType> = z.output<(typeof KNOWN_EVENT_SCHEMAS)[K]>;

/** A custom USER event in wire form. */
export type CustomEvent<T extends string = string> = z.output<typeof CustomEventSchema> & { type: T };

/** Any event in wire form: what listeners and drivers see. */
export type Event = KnownEvent | CustomEvent;

/** What `publishEvent` accepts for a known type: `id`, `timestamp`, `meta` and defaulted fields may be left out. */
export type KnownEventInput<K extends KnownEventType = KnownEventType> = z.input<(typeof KNOWN_EVENT_SCHEMAS)[K]>;

/** What `publishEvent` accepts for a custom type. */
export type CustomEventInput<T extends string = string> = z.input<typeof CustomEventSchema> & { type: T };

/**
 * The input for a given `type`: a known type gets its own fields checked by the compiler (a wrong type or a
 * misspelt field does not compile), any other string is a custom event with fields of your own.
 */
export type EventInput<T extends string = string> = T extends KnownEventType ? KnownEventInput<T> : CustomEventInput<T>;

/**
 * A `type` as `publishEvent` takes it: the known names are offered by an editor's completion, and any other
 * string is still accepted (a custom event). `string & {}` keeps the union from collapsing into `string`.
 */
export type EventType = KnownEventType | (string & {});

export type StartStructureRunEvent = KnownEventOf<"StartStructureRunEvent">;
export type FinishStructureRunEvent = KnownEventOf<"FinishStructureRunEvent">;
export type StartTaskEvent = KnownEventOf<"StartTaskEvent">;
export type FinishTaskEvent = KnownEventOf<"FinishTaskEvent">;
export type StartActionsSubtaskEvent = KnownEventOf<"StartActionsSubtaskEvent">;
export type FinishActionsSubtaskEvent = KnownEventOf<"FinishActionsSubtaskEvent">;
export type StartPromptEvent = KnownEventOf<"StartPromptEvent">;
export type FinishPromptEvent = KnownEventOf<"FinishPromptEvent">;
export type TextChunkEvent = KnownEventOf<"TextChunkEvent">;
export type ActionChunkEvent = KnownEventOf<"ActionChunkEvent">;
export type AudioChunkEvent = KnownEventOf<"AudioChunkEvent">;
export type StartImageGenerationEvent = KnownEventOf<"StartImageGenerationEvent">;
export type FinishImageGenerationEvent = KnownEventOf<"FinishImageGenerationEvent">;
export type StartImageQueryEvent = KnownEventOf<"StartImageQueryEvent">;
export type FinishImageQueryEvent = KnownEventOf<"FinishImageQueryEvent">;
export type StartTextToSpeechEvent = KnownEventOf<"StartTextToSpeechEvent">;
export type FinishTextToSpeechEvent = KnownEventOf<"FinishTextToSpeechEvent">;
export type StartAudioTranscriptionEvent = KnownEventOf<"StartAudioTranscriptionEvent">;
export type FinishAudioTranscriptionEvent = KnownEventOf<"FinishAudioTranscriptionEvent">;
export type SubtaskAction = z.output<typeof SubtaskActionSchema>;
