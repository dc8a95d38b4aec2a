import * as z from "zod";
import { InvalidEventError } from "../errors.js";
import {
  CUSTOM_EVENT_FIELDS,
  type Event,
  isKnownEventType,
  KNOWN_EVENT_FIELDS,
  type KnownEventFields,
} from "./event-schemas.js";
import { type FastField, scalarJson } from "./field-checks.js";
import { EVENT_ID_PATTERN, newEventId, nowSeconds } from "./ids.js";
import { assertJsonValue } from "./json-check.js";
import { SerializedEvent } from "./serialized-event.js";

/**
 * Completes an event (`id`, `timestamp`, `meta`, Python defaults), checks it, and serialises it once.
 * Throws `InvalidEventError` for anything that is not a valid event; never touches shared state,
 * so a refused event affects nothing already published.
 */
export function serializeEvent(input: unknown): SerializedEvent {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new InvalidEventError(
      "not_object",
      `an event must be a plain object like {type: "TextChunkEvent", token: "Hi"}; got ${describe(input)}`,
    );
  }
  const type = (input as { type?: unknown }).type;
  if (typeof type !== "string" || type.length === 0) {
    throw new InvalidEventError("missing_type", 'an event needs a non-empty string `type`, e.g. "TextChunkEvent"', [
      { path: ["type"], message: `expected a non-empty string, got ${describe(type)}` },
    ]);
  }
  const { id: givenId, timestamp: givenTimestamp, meta: givenMeta } = input as Partial<Record<string, unknown>>;
  const id =
    givenId === undefined ? newEventId() : checked(type, "id", givenId, isEventId, "32 lower-case hex characters");
  const timestamp =
    givenTimestamp === undefined
      ? nowSeconds()
      : checked(type, "timestamp", givenTimestamp, isTimestamp, "a finite, non-negative number of epoch seconds");
  // Shared when absent: the event object only lives until it is stringified below.
  const meta = givenMeta === undefined ? EMPTY_META : checked(type, "meta", givenMeta, isPlainRecord, "a plain object");
  const fields = isKnownEventType(type) ? KNOWN_EVENT_FIELDS[type] : undefined;
  if (fields?.fastFields !== undefined && givenMeta === undefined) {
    const json = chunkEventJson(input, fields as FastFields, id, timestamp);
    if (json !== undefined) return new SerializedEvent(type, id, timestamp, json);
  }
  // Key order is the Python to_dict order: base fields, then a known type's fields in class order (with
  // their defaults), then whatever else the caller gave, as given.
  let event: Record<string, unknown>;
  let extras: number;
  if (fields === undefined) {
    event = { type, id, timestamp, meta };
    extras = copyOwn(event, input, false);
    // Set again: the caller's object may hold them as undefined.
    event.id = id;
    event.timestamp = timestamp;
    event.meta = meta;
  } else {
    event = { type, id, timestamp, meta };
    if (fields.fastFields === undefined || !copyFastFields(event, input, fields.fastFields)) {
      const parsed = fields.schema.safeParse(input);
      if (!parsed.success) throw schemaError(type, parsed.error);
      Object.assign(event, parsed.data);
    }
    extras = copyOwn(event, input, true);
  }
  // A known type whose fields are all plain, with no extra key and no meta of the caller's, has nothing a
  // schema did not already check (e.g. FinishPromptEvent); the chunk events mostly took the direct path above.
  const walked = fields === undefined || extras > 0 || givenMeta !== undefined || !fields.allPlain;
  if (walked) {
    const plain = fields ?? CUSTOM_EVENT_FIELDS;
    assertJsonValue(event, type, givenMeta === undefined ? plain.plainKeysAndMeta : plain.plainKeys);
  }
  return new SerializedEvent(type, id, timestamp, stringify(event as Event, type));
}

function stringify(event: Event, type: string): string {
  try {
    return JSON.stringify(event);
  } catch (error) {
    // Only a throwing toJSON gets here: everything else was checked by assertJsonValue.
    throw new InvalidEventError("unsupported_value", `${type} could not be serialised: ${String(error)}`, [], {
      cause: error,
    });
  }
}

const EMPTY_META: Record<string, unknown> = Object.freeze({});

type FastFields = KnownEventFields & { readonly fastFields: readonly FastField[] };

/**
 * The chunk events' hot path: their fields are all scalars, so when every field passes its compiled check and
 * the input has nothing else (no extra key, no meta), the JSON is written directly, byte for byte what
 * JSON.stringify would write (a test holds it to that), in about half the time. Undefined otherwise: the general
 * path then decides, and explains any error.
 */
function chunkEventJson(input: object, fields: FastFields, id: string, timestamp: number): string | undefined {
  for (const key in input) if (!fields.keys.has(key)) return undefined;
  let json = `${fields.jsonHead}${id}","timestamp":${timestamp},"meta":{}`;
  for (const field of fields.fastFields) {
    let value = (input as Record<string, unknown>)[field.key];
    if (value === undefined && field.hasDefault) value = field.defaultValue;
    else if (!field.test(value)) return undefined;
    json += field.prefix + scalarJson(value);
  }
  return `${json}}`;
}

/** The zod-free path for the chunk events; false when any field fails, and zod then judges (and explains). */
function copyFastFields(event: Record<string, unknown>, input: object, fields: readonly FastField[]): boolean {
  for (const field of fields) {
    const value = (input as Record<string, unknown>)[field.key];
    if (value === undefined && field.hasDefault) event[field.key] = field.defaultValue;
    else if (field.test(value)) event[field.key] = value;
    else return false;
  }
  return true;
}

/**
 * Copies the caller's own enumerable fields (all of them, or only those `target` lacks) and counts them. An own `__proto__`
 * key (JSON.parse makes them) is defined as data, not assigned, which would change the prototype and lose it.
 */
function copyOwn(target: Record<string, unknown>, source: object, onlyMissing: boolean): number {
  let copied = 0;
  for (const key in source) {
    if (!Object.hasOwn(source, key) || (onlyMissing && Object.hasOwn(target, key))) continue;
    const value = (source as Record<string, unknown>)[key];
    if (key === "__proto__")
      Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    else target[key] = value;
    copied++;
  }
  return copied;
}

function isEventId(value: unknown): value is string {
  return typeof value === "string" && EVENT_ID_PATTERN.test(value);
}

function isTimestamp(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checked<T>(
  type: string,
  key: string,
  value: unknown,
  ok: (value: unknown) => value is T,
  expected: string,
): T {
  if (ok(value)) return value;
  throw new InvalidEventError("schema", `invalid ${type}: \`${key}\` must be ${expected}, got ${describe(value)}`, [
    { path: [key], message: `expected ${expected}` },
  ]);
}

function schemaError(type: string, error: z.ZodError): InvalidEventError {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map((key) => (typeof key === "symbol" ? String(key) : key)),
    message: issue.message,
  }));
  return new InvalidEventError("schema", `invalid ${type}: ${z.prettifyError(error)}`, issues);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}
