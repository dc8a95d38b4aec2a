import * as z from "zod";
import { quoteValue } from "../describe-value.js";
import type { InvalidEventReason } from "../errors.js";
import { EVENT_ID_PATTERN } from "./ids.js";

/** A value JSON carries exactly: what `meta`, artifact values and tool inputs hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** What a JSON field accepts: as `JsonValue`, and an object's `undefined` properties are left out (as JSON does). */
export type JsonValueInput = string | number | boolean | null | readonly JsonValueInput[] | JsonObjectInput;
export interface JsonObjectInput {
  readonly [key: string]: JsonValueInput | undefined;
}

/** Where and why a value is not plain JSON. */
export interface JsonFailure {
  readonly reason: InvalidEventReason;
  readonly what: string;
  readonly path: (string | number)[];
}

type Copied<T extends JsonValue = JsonValue> = { ok: true; value: T } | { ok: false; failure: JsonFailure };

/**
 * Reads `value` once and returns a fresh plain copy, or the first place where it is not plain JSON: a Date, a
 * class instance, a Map or Set, a BigInt, a function, a symbol (as a value or a key), NaN or ±Infinity, a cycle,
 * an `undefined` inside an array. JSON.stringify would turn some of these into something else (a Date into a
 * string, a Map into {}) and throw on others; a plain JSON field holds exactly what is sent. The copy means what
 * is sent is what was checked, even when the caller's objects change or have getters.
 */
export function copyJsonValue(value: unknown): Copied {
  const path: (string | number)[] = [];
  const ancestors: object[] = [];
  const failure = (reason: InvalidEventReason, what: string): Copied => ({
    ok: false,
    failure: { reason, what, path: [...path] },
  });

  const copy = (v: unknown): Copied => {
    switch (typeof v) {
      case "string":
      case "boolean":
        return { ok: true, value: v };
      case "number":
        return Number.isFinite(v) ? { ok: true, value: v } : failure("non_finite_number", `the number ${v}`);
      case "bigint":
        return failure("bigint", "a BigInt");
      case "function":
        return failure("function", "a function");
      case "symbol":
        return failure("symbol", "a symbol");
      case "undefined":
        return failure("unsupported_value", "undefined (JSON leaves it out, or writes null in an array)");
    }
    if (v === null) return { ok: true, value: null };
    const object = v as object;
    if (ancestors.includes(object)) return failure("cycle", "a circular reference");
    if (Array.isArray(object)) {
      ancestors.push(object);
      const out: JsonValue[] = [];
      for (let i = 0; i < object.length; i++) {
        path.push(i);
        const item = copy(object[i]);
        path.pop();
        if (!item.ok) return item;
        out.push(item.value);
      }
      ancestors.pop();
      return { ok: true, value: out };
    }
    const kind = nonPlainKind(object);
    if (kind !== undefined) return failure("unsupported_value", kind);
    ancestors.push(object);
    const out: JsonObject = {};
    for (const key of Object.keys(object)) {
      const item = (object as Record<string, unknown>)[key];
      if (item === undefined) continue;
      path.push(key);
      const result = copy(item);
      path.pop();
      if (!result.ok) return result;
      // An own "__proto__" key (JSON.parse makes them) is data: assigning it would set the copy's prototype.
      if (key === "__proto__")
        Object.defineProperty(out, key, { value: result.value, enumerable: true, writable: true });
      else out[key] = result.value;
    }
    for (const key of Object.getOwnPropertySymbols(object)) {
      if (Object.prototype.propertyIsEnumerable.call(object, key)) {
        return failure("symbol", `a symbol key (${String(key)}), which JSON would leave out`);
      }
    }
    ancestors.pop();
    return { ok: true, value: out };
  };

  return copy(value);
}

/** Why `value` (an object, not an array) is not a plain object, or undefined when it is one. */
function nonPlainKind(value: object): string | undefined {
  const proto = Object.getPrototypeOf(value) as object | null;
  // No prototype, or Object.prototype of this realm or of another one (a vm context).
  if (proto === null || (Object.getPrototypeOf(proto) === null && Object.hasOwn(proto, "isPrototypeOf"))) {
    return undefined;
  }
  if (value instanceof Date) return "a Date (JSON would send it as a string: send date.toISOString())";
  if (value instanceof Map || value instanceof Set) return `a ${value.constructor.name} (JSON would send it as {})`;
  const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
  return `a ${typeof name === "string" && name !== "" ? name : "non-plain"} object (only plain objects are JSON)`;
}

/**
 * `copyJsonValue` for a value that must be a plain object, like an event's `meta`. A value that is not one fails
 * with reason `schema`.
 */
export function copyJsonObject(value: unknown): Copied<JsonObject> {
  if (typeof value !== "object" || value === null || Array.isArray(value) || nonPlainKind(value) !== undefined) {
    return {
      ok: false,
      failure: { reason: "schema", what: `not a plain object (got ${describeValue(value)})`, path: [] },
    };
  }
  return copyJsonValue(value) as Copied<JsonObject>;
}

/** Zod's wrapper of a copy: the issue carries the failure's reason in `params.reason`. */
function jsonSchema<O, I>(copy: (value: unknown) => Copied) {
  return z.unknown().transform((value, ctx) => {
    if (value === undefined) {
      ctx.issues.push({ code: "custom", message: "is required", input: value, params: { reason: "schema" } });
      return z.NEVER;
    }
    const copied = copy(value);
    if (copied.ok) return copied.value;
    const { reason, what, path } = copied.failure;
    const message = reason === "schema" ? `is ${what}` : `holds ${what}, which is not plain JSON`;
    ctx.issues.push({ code: "custom", message, input: value, path, params: { reason } });
    return z.NEVER;
  }) as unknown as z.ZodType<O, I>;
}

/** Any plain JSON value; parsing returns a plain copy. */
export const JsonValueSchema = jsonSchema<JsonValue, JsonValueInput>(copyJsonValue);

/** A plain JSON object, like an event's `meta`; parsing returns a plain copy. */
export const JsonObjectSchema = jsonSchema<JsonObject, JsonObjectInput>(copyJsonObject);

/** A short description of a value's kind for error messages; never its content. */
/** A value as an error message shows it: primitives quoted and cut (`"abc"`, `-1`), anything else by its kind. */
export function shownValue(value: unknown): string {
  return value !== null && typeof value === "object" ? describeValue(value) : quoteValue(value, 40);
}

/** An event or artifact id: a uuid4 as 32 lower-case hex characters, as the Python framework writes them. */
export const EventIdSchema = z.string().regex(EVENT_ID_PATTERN, {
  error: (issue) => `must be 32 lower-case hex characters (a uuid4 without dashes), got ${shownValue(issue.input)}`,
});

export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    const kind = nonPlainKind(value);
    return kind === undefined ? "an object" : kind.replace(/ \(.*$/, "");
  }
  return typeof value;
}
