import { InvalidEventError } from "../errors.js";
import { isKnownEventType, KNOWN_EVENT_SCHEMAS, type KnownEventType } from "./event-schemas.js";
import { FAST_EVENT_WRITERS } from "./fast-event-writers.js";
import { EVENT_ID_PATTERN, newEventId, nowSeconds } from "./ids.js";
import { assertJsonValue } from "./json-check.js";
import { copyJsonObject, describeValue, shownValue } from "./json-value.js";
import { printable } from "./printable.js";
import { formatPath, invalidEventError, isNonFiniteNumber, safeParse } from "./schema-error.js";
import { SerializedEvent } from "./serialized-event.js";

/**
 * Completes an event (`id`, `timestamp`, `meta`, Python defaults), checks it, and serialises it once.
 * Throws `InvalidEventError` for anything that is not a valid event, whatever the input does when read (a
 * throwing getter, a revoked Proxy, nesting too deep for the stack); never touches shared state, so a refused
 * event affects nothing already published.
 */
export function serializeEvent(input: unknown): SerializedEvent {
  try {
    return serialize(input);
  } catch (error) {
    throw asInvalidEventError(error);
  }
}

function serialize(input: unknown): SerializedEvent {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new InvalidEventError(
      "not_object",
      `an event must be a plain object like {type: "TextChunkEvent", token: "Hi"}; got ${describeValue(input)}`,
    );
  }
  const type = (input as { type?: unknown }).type;
  if (typeof type !== "string" || type.length === 0) {
    throw new InvalidEventError("missing_type", 'an event needs a non-empty string `type`, e.g. "TextChunkEvent"', [
      { path: ["type"], message: `expected a non-empty string, got ${describeValue(type)}` },
    ]);
  }
  return isKnownEventType(type) ? serializeKnown(type, input) : serializeCustom(type, input);
}

/**
 * A known type: its fast writer when it has one and the input is plain enough, else its schema, which makes a
 * plain copy (every field is a JSON shape) in the wire's key order and explains any refusal.
 */
function serializeKnown(type: KnownEventType, input: object): SerializedEvent {
  const fast = FAST_EVENT_WRITERS[type]?.write(input);
  if (fast !== undefined) return fast;
  const parsed = safeParse(KNOWN_EVENT_SCHEMAS[type], input);
  if (!parsed.success) throw invalidEventError(type, parsed.error);
  const event = parsed.data;
  return new SerializedEvent(type, event.id, event.timestamp, stringify(event, type));
}

/** A custom type: the base fields checked (`meta` plain JSON), the rest sent as given if JSON can carry it. */
function serializeCustom(type: string, input: object): SerializedEvent {
  const { id: givenId, timestamp: givenTimestamp, meta: givenMeta } = input as Partial<Record<string, unknown>>;
  const id =
    givenId === undefined ? newEventId() : checked(type, "id", givenId, isEventId, "32 lower-case hex characters");
  const timestamp =
    givenTimestamp === undefined
      ? nowSeconds()
      : checked(type, "timestamp", givenTimestamp, isTimestamp, "a finite, non-negative number of epoch seconds");
  const meta = givenMeta === undefined ? {} : checkedMeta(type, givenMeta);
  // Key order: the base fields, then the caller's, as given.
  const event: Record<string, unknown> = { type, id, timestamp, meta };
  copyOwn(event, input);
  // Set again: the caller's object may hold them as undefined, or meta as the original rather than the copy.
  event.id = id;
  event.timestamp = timestamp;
  event.meta = meta;
  assertJsonValue(event, type, CHECKED_KEYS);
  return new SerializedEvent(type, id, timestamp, stringify(event, type));
}

/** Fields already checked by the time the walk runs. */
const CHECKED_KEYS: ReadonlySet<string> = new Set(["type", "id", "timestamp", "meta"]);

function stringify(event: object, type: string): string {
  try {
    return JSON.stringify(event);
  } catch (error) {
    // Only a throwing toJSON of a custom event's field gets here: everything else was checked before.
    throw new InvalidEventError(
      "unsupported_value",
      `${printable(type)} could not be serialised: ${printable(String(error))}`,
      [],
      { cause: error },
    );
  }
}

/** Whatever went wrong while reading the input, as the typed error the caller expects. */
function asInvalidEventError(error: unknown): InvalidEventError {
  if (error instanceof InvalidEventError) return error;
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new InvalidEventError("unsupported_value", "the event is nested too deeply to serialise", [], {
      cause: error,
    });
  }
  if (error instanceof RangeError && /string length/i.test(error.message)) {
    return new InvalidEventError("too_large", "the event is larger than a JavaScript string can hold", [], {
      cause: error,
    });
  }
  return new InvalidEventError("unreadable", `reading the event threw: ${printable(messageOf(error))}`, [], {
    cause: error,
  });
}

function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return "an error that cannot be printed";
  }
}

/**
 * Copies the caller's own enumerable fields. An own `__proto__` key (JSON.parse makes them) is defined as data,
 * not assigned, which would change the prototype and lose it.
 */
function copyOwn(target: Record<string, unknown>, source: object): void {
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    const value = (source as Record<string, unknown>)[key];
    if (key === "__proto__")
      Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    else target[key] = value;
  }
}

function isEventId(value: unknown): value is string {
  return typeof value === "string" && EVENT_ID_PATTERN.test(value);
}

function isTimestamp(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function checked<T>(
  type: string,
  key: string,
  value: unknown,
  ok: (value: unknown) => value is T,
  expected: string,
): T {
  if (ok(value)) return value;
  throw new InvalidEventError(
    isNonFiniteNumber(value) ? "non_finite_number" : "schema",
    `invalid ${printable(type)}: \`${key}\` must be ${expected}, got ${shownValue(value)}`,
    [{ path: [key], message: `expected ${expected}` }],
  );
}

function checkedMeta(type: string, meta: unknown): Record<string, unknown> {
  const copied = copyJsonObject(meta);
  if (copied.ok) return copied.value;
  const { reason, what, path } = copied.failure;
  const detail = reason === "schema" ? `is ${what}` : `holds ${what}, which is not plain JSON`;
  throw new InvalidEventError(reason, `invalid ${printable(type)}: ${formatPath(["meta", ...path])} ${detail}`, [
    { path: ["meta", ...path], message: what },
  ]);
}
