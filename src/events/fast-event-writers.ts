import { KNOWN_EVENT_SCHEMAS, type KnownEventType } from "./event-schemas.js";
import { compileFastField, type FastField, scalarJson } from "./field-checks.js";
import { EVENT_ID_PATTERN, newEventId, nowSeconds, timestampJson } from "./ids.js";
import { SerializedEvent } from "./serialized-event.js";

const BASE_KEYS = ["type", "id", "timestamp", "meta"];

/**
 * The publish hot path for the known types whose fields are all scalars (the chunk events, FinishPromptEvent…):
 * when every field passes its compiled check and the input has no key of its own and no `meta`, the JSON is
 * written directly, byte for byte what JSON.stringify writes for the schema's output. A TextChunkEvent's whole
 * publish then costs about 0.6x a bare JSON.stringify of the event (`bench/publish.bench.ts`); parsing it with
 * its schema and stringifying the result costs about 1.8x (measured once beside it, 2026-11-25).
 */
export interface FastEventWriter {
  /** The event as serialised, or undefined when anything is off: the schema then judges and explains. */
  write(input: object): SerializedEvent | undefined;
}

class ScalarEventWriter implements FastEventWriter {
  readonly #type: string;
  /** `{"type":"<type>","id":"`, the start of every event of this type in JSON. */
  readonly #head: string;
  readonly #keys: ReadonlySet<string>;
  readonly #fields: readonly FastField[];

  constructor(type: string, fields: readonly FastField[]) {
    this.#type = type;
    this.#head = `{"type":${JSON.stringify(type)},"id":"`;
    this.#keys = new Set([...BASE_KEYS, ...fields.map((f) => f.key)]);
    this.#fields = fields;
  }

  write(input: object): SerializedEvent | undefined {
    // for-in, as zod's strict objects look for unknown keys: inherited enumerable keys count too.
    for (const key in input) if (!this.#keys.has(key)) return undefined;
    const given = input as Record<string, unknown>;
    if (given.meta !== undefined) return undefined;
    let id = given.id;
    if (id === undefined) id = newEventId();
    else if (typeof id !== "string" || !EVENT_ID_PATTERN.test(id)) return undefined;
    let timestamp = given.timestamp;
    if (timestamp === undefined) timestamp = nowSeconds();
    else if (typeof timestamp !== "number" || !Number.isFinite(timestamp) || timestamp < 0) return undefined;
    let json = `${this.#head}${id as string}","timestamp":${timestampJson(timestamp as number)},"meta":{}`;
    for (const field of this.#fields) {
      let value = given[field.key];
      if (value === undefined && field.hasDefault) value = field.defaultValue;
      else if (!field.test(value)) return undefined;
      json += field.prefix + scalarJson(value);
    }
    return new SerializedEvent(this.#type, id as string, timestamp as number, `${json}}`);
  }
}

function compile(type: KnownEventType): FastEventWriter | undefined {
  const shape = KNOWN_EVENT_SCHEMAS[type].shape as Record<string, Parameters<typeof compileFastField>[1]>;
  const fields: FastField[] = [];
  for (const [key, schema] of Object.entries(shape)) {
    if (BASE_KEYS.includes(key)) continue;
    const field = compileFastField(key, schema);
    if (field === undefined) return undefined;
    fields.push(field);
  }
  return new ScalarEventWriter(type, fields);
}

/** A writer for each known type that has one; the others always go through their schema. */
export const FAST_EVENT_WRITERS: Partial<Record<KnownEventType, FastEventWriter>> = Object.fromEntries(
  (Object.keys(KNOWN_EVENT_SCHEMAS) as KnownEventType[])
    .map((type) => [type, compile(type)] as const)
    .filter(([, writer]) => writer !== undefined),
);
