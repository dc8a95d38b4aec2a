import * as z from "zod";

/** A field of a known event type, checked without zod on the publish hot path. */
export interface FastField {
  readonly key: string;
  /** `,"key":`, what precedes the value in the event's JSON. */
  readonly prefix: string;
  /** Whether `value` (not undefined) is valid for the field, exactly as its zod schema would judge it. */
  readonly test: (value: unknown) => boolean;
  /** Whether an absent field takes `defaultValue`. */
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
}

/**
 * Compiles a zod field schema into a predicate, for the scalar shapes the streaming events use (strings,
 * finite numbers, safe integers with a lower bound, booleans, nullable, defaulted). Returns undefined for
 * anything else, and the type then goes through zod. The predicate is derived from the schema, so the schema
 * stays the single source of truth; zod still writes every error message, and a property test holds the two
 * to the same verdict (test/events/fast-path-agreement.test.ts).
 */
export function compileFastField(key: string, schema: z.core.$ZodType): FastField | undefined {
  const def = schema._zod.def;
  if (def.type === "default") {
    const inner = compileTest((def as z.core.$ZodDefaultDef).innerType);
    const defaultValue: unknown = (def as z.core.$ZodDefaultDef).defaultValue;
    // A default that is an object would be shared between events; only scalars qualify.
    if (inner === undefined || (typeof defaultValue === "object" && defaultValue !== null)) return undefined;
    return { key, prefix: `,${JSON.stringify(key)}:`, test: inner, hasDefault: true, defaultValue };
  }
  const test = compileTest(schema);
  if (test === undefined) return undefined;
  return { key, prefix: `,${JSON.stringify(key)}:`, test, hasDefault: false, defaultValue: undefined };
}

function compileTest(schema: z.core.$ZodType): ((value: unknown) => boolean) | undefined {
  const def = schema._zod.def;
  switch (def.type) {
    case "string": {
      // A plain string, or one with checks or a format (base64): then the schema itself judges the string.
      const plain = (def.checks ?? []).length === 0 && (def as { format?: string }).format === undefined;
      if (plain) return (v) => typeof v === "string";
      return (v) => typeof v === "string" && z.safeParse(schema, v).success;
    }
    case "boolean":
      return (v) => typeof v === "boolean";
    case "nullable": {
      const inner = compileTest((def as z.core.$ZodNullableDef).innerType);
      return inner === undefined ? undefined : (v) => v === null || inner(v);
    }
    case "number":
      return compileNumber(def as z.core.$ZodNumberDef);
    default:
      return undefined;
  }
}

function compileNumber(def: z.core.$ZodNumberDef): ((value: unknown) => boolean) | undefined {
  let min = Number.NEGATIVE_INFINITY;
  let inclusive = true;
  for (const check of def.checks ?? []) {
    const c = check._zod.def as { check: string; value?: unknown; inclusive?: boolean };
    if (c.check !== "greater_than" || typeof c.value !== "number") return undefined;
    min = c.value;
    inclusive = c.inclusive === true;
  }
  const format = (def as { format?: string }).format;
  if (format !== undefined && format !== "safeint") return undefined;
  const integer = format === "safeint";
  return (v) =>
    typeof v === "number" &&
    (integer ? Number.isSafeInteger(v) : Number.isFinite(v)) &&
    (inclusive ? v >= min : v > min);
}

/**
 * A scalar that passed its field's test, as JSON.stringify writes it: strings through JSON.stringify (the same
 * escaping), finite numbers and booleans as String() prints them, null.
 */
export function scalarJson(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : value === null ? "null" : String(value);
}
