import * as z from "zod";
import { ArtifactSchema } from "./artifacts.js";
import { compileFastField, type FastField } from "./field-checks.js";
import { EVENT_ID_PATTERN, newEventId, nowSeconds } from "./ids.js";

// One schema per wire shape (DESIGN §1); TypeScript types are inferred from them, never written twice.
// Field order is the Python framework's to_dict order, and zod keeps it: type, id, timestamp, meta, fields.
// Fields the Python classes default are optional at publish and filled with the same defaults.

const baseShape = {
  id: z
    .string()
    .regex(EVENT_ID_PATTERN, "expected 32 lower-case hex characters (a uuid4 without dashes)")
    .default(() => newEventId()),
  timestamp: z
    .number()
    .nonnegative()
    .default(() => nowSeconds()),
  meta: z.record(z.string(), z.unknown()).default(() => ({})),
};

const nullableArtifact = ArtifactSchema.nullable().default(null);
const nullableString = z.string().nullable().default(null);
const nullableCount = z.int().nonnegative().nullable().default(null);

function eventSchema<T extends string, S extends z.ZodRawShape>(type: T, fields: S) {
  return z.looseObject({ type: z.literal(type), ...baseShape, ...fields });
}

export const StartStructureRunEventSchema = eventSchema("StartStructureRunEvent", {
  structure_id: nullableString,
  input_task_input: nullableArtifact,
  input_task_output: nullableArtifact,
});

export const FinishStructureRunEventSchema = eventSchema("FinishStructureRunEvent", {
  structure_id: nullableString,
  output_task_input: nullableArtifact,
  output_task_output: nullableArtifact,
});

const taskFields = {
  task_id: z.string(),
  task_parent_ids: z.array(z.string()).default(() => []),
  task_child_ids: z.array(z.string()).default(() => []),
  task_input: nullableArtifact,
  task_output: nullableArtifact,
};
export const StartTaskEventSchema = eventSchema("StartTaskEvent", taskFields);
export const FinishTaskEventSchema = eventSchema("FinishTaskEvent", taskFields);

export const StartPromptEventSchema = eventSchema("StartPromptEvent", {
  model: z.string(),
  prompt_stack: z.record(z.string(), z.unknown()),
});

export const FinishPromptEventSchema = eventSchema("FinishPromptEvent", {
  model: z.string(),
  result: z.string(),
  input_token_count: nullableCount,
  output_token_count: nullableCount,
});

const chunkIndex = z.int().nonnegative().default(0);
export const TextChunkEventSchema = eventSchema("TextChunkEvent", { index: chunkIndex, token: z.string() });

export const ActionChunkEventSchema = eventSchema("ActionChunkEvent", {
  index: chunkIndex,
  partial_input: nullableString,
  tag: nullableString,
  name: nullableString,
  path: nullableString,
});

/** Schemas of the event types the Griptape framework defines, by `type`. */
export const KNOWN_EVENT_SCHEMAS = {
  StartStructureRunEvent: StartStructureRunEventSchema,
  FinishStructureRunEvent: FinishStructureRunEventSchema,
  StartTaskEvent: StartTaskEventSchema,
  FinishTaskEvent: FinishTaskEventSchema,
  StartPromptEvent: StartPromptEventSchema,
  FinishPromptEvent: FinishPromptEventSchema,
  TextChunkEvent: TextChunkEventSchema,
  ActionChunkEvent: ActionChunkEventSchema,
} as const;

export type KnownEventType = keyof typeof KNOWN_EVENT_SCHEMAS;

const BASE_KEYS: ReadonlySet<string> = new Set(["type", "id", "timestamp", "meta"]);

/** A known type's own fields (not the base ones), validated at publish, and which of them need no JSON walk. */
export interface KnownEventFields {
  readonly schema: z.ZodObject;
  /** Fields whose schema only admits strings, finite numbers, booleans, null, or arrays of those. */
  readonly plainKeys: ReadonlySet<string>;
  /** `plainKeys` plus `meta`, for when the bus made `meta` itself (an empty object). */
  readonly plainKeysAndMeta: ReadonlySet<string>;
  /** Every field of the type is plain. */
  readonly allPlain: boolean;
  /** Zod-free checks of every field, when each field's schema compiles to one (the chunk events). */
  readonly fastFields: readonly FastField[] | undefined;
  /** `{"type":"<type>","id":"`, the start of every event of this type in JSON. */
  readonly jsonHead: string;
  /** The base keys and the fields: any other key in an input is an extra. */
  readonly keys: ReadonlySet<string>;
}

/**
 * The bus completes the base fields itself and validates only these with zod: zod defaults on the full
 * schema made publishing several times slower than the JSON.stringify it has to do anyway.
 */
export const KNOWN_EVENT_FIELDS = Object.fromEntries(
  Object.entries(KNOWN_EVENT_SCHEMAS).map(([type, schema]) => {
    const fields = Object.entries(schema.shape).filter(([key]) => !BASE_KEYS.has(key));
    // type, id and timestamp are checked by the bus itself; meta is a record of anything and gets walked.
    const plainKeys = new Set(["type", "id", "timestamp", ...fields.filter(([, f]) => isPlain(f)).map(([key]) => key)]);
    const plainKeysAndMeta = new Set([...plainKeys, "meta"]);
    const allPlain = fields.every(([, f]) => isPlain(f));
    const compiled = fields.map(([key, f]) => compileFastField(key, f));
    const fastFields = compiled.every((f) => f !== undefined) ? (compiled as FastField[]) : undefined;
    const schemaOfFields = z.object(Object.fromEntries(fields));
    const jsonHead = `{"type":${JSON.stringify(type)},"id":"`;
    const keys = new Set([...BASE_KEYS, ...fields.map(([key]) => key)]);
    return [type, { schema: schemaOfFields, plainKeys, plainKeysAndMeta, allPlain, fastFields, jsonHead, keys }];
  }),
) as unknown as { [K in KnownEventType]: KnownEventFields };

export function isKnownEventType(type: string): type is KnownEventType {
  return Object.hasOwn(KNOWN_EVENT_SCHEMAS, type);
}

function isPlain(schema: z.core.$ZodType): boolean {
  const def = schema._zod.def;
  switch (def.type) {
    case "string":
    case "number":
    case "boolean":
    case "null":
    case "literal":
      return true;
    case "default":
    case "nullable":
    case "optional":
      return isPlain((def as z.core.$ZodDefaultDef).innerType);
    case "array":
      return isPlain((def as z.core.$ZodArrayDef).element);
    default:
      return false;
  }
}

/** What a custom event has that needs no JSON walk: the base fields the bus checks itself. */
export const CUSTOM_EVENT_FIELDS: Pick<KnownEventFields, "plainKeys" | "plainKeysAndMeta"> = {
  plainKeys: new Set(["type", "id", "timestamp"]),
  plainKeysAndMeta: new Set(["type", "id", "timestamp", "meta"]),
};

/** Any other `type` is a custom USER event: the base fields are checked, the rest is sent as given. */
export const CustomEventSchema = z.looseObject({ type: z.string().min(1), ...baseShape });

/** A known event in wire form, discriminated on `type`. */
export type KnownEvent = {
  [K in KnownEventType]: z.output<(typeof KNOWN_EVENT_SCHEMAS)[K]>;
}[KnownEventType];

/** A custom USER event in wire form. */
export type CustomEvent = z.output<typeof CustomEventSchema>;

/** Any event in wire form: what listeners and drivers see. */
export type Event = KnownEvent | CustomEvent;

/** What `publishEvent` accepts for a known type: `id`, `timestamp`, `meta` and defaulted fields may be left out. */
export type KnownEventInput<K extends KnownEventType = KnownEventType> = z.input<(typeof KNOWN_EVENT_SCHEMAS)[K]>;

/** What `publishEvent` accepts for a custom type. */
export type CustomEventInput<T extends string = string> = z.input<typeof CustomEventSchema> & { type: T };

/**
 * The input for a given `type`: a known type gets its own fields checked by the compiler,
 * so `{type: "TextChunkEvent", token: 5}` is an error rather than a custom event.
 */
export type EventInput<T extends string = string> = T extends KnownEventType ? KnownEventInput<T> : CustomEventInput<T>;

export type TextChunkEvent = z.output<typeof TextChunkEventSchema>;
export type ActionChunkEvent = z.output<typeof ActionChunkEventSchema>;
export type StartStructureRunEvent = z.output<typeof StartStructureRunEventSchema>;
export type FinishStructureRunEvent = z.output<typeof FinishStructureRunEventSchema>;
export type StartTaskEvent = z.output<typeof StartTaskEventSchema>;
export type FinishTaskEvent = z.output<typeof FinishTaskEventSchema>;
export type StartPromptEvent = z.output<typeof StartPromptEventSchema>;
export type FinishPromptEvent = z.output<typeof FinishPromptEventSchema>;
