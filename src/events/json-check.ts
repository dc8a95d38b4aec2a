import { InvalidEventError, type InvalidEventReason } from "../errors.js";

interface Failure {
  reason: InvalidEventReason;
  what: string;
  path: (string | number)[];
}

/**
 * Throws an `InvalidEventError` naming the first value JSON cannot carry faithfully: a cycle, a BigInt,
 * a function, a symbol, NaN or ±Infinity, a Map or Set. JSON.stringify would throw on some of these
 * and silently drop or null the others; either way the event on the wire would not be what was published.
 * Costs one walk and no allocation when the value is fine; the path is only built on failure.
 * `skipKeys` names top-level fields already known to be plain JSON (validated by a schema), left unwalked.
 */
export function assertJsonValue(value: unknown, label = "event", skipKeys?: ReadonlySet<string>): void {
  let failure: Failure | undefined;
  try {
    failure = skipKeys === undefined ? check(value, []) : checkFields(value as Record<string, unknown>, skipKeys);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    failure = { reason: "unsupported_value", what: "nesting too deep for JSON", path: [] };
  }
  if (failure === undefined) return;
  const where = failure.path.length === 0 ? label : `${label}.${failure.path.join(".")}`;
  throw new InvalidEventError(failure.reason, `${where} is ${failure.what}, which JSON cannot carry`, [
    { path: failure.path, message: failure.what },
  ]);
}

function checkFields(value: Record<string, unknown>, skipKeys: ReadonlySet<string>): Failure | undefined {
  const ancestors = [value];
  // for-in, not Object.keys: no array per event. The object was built by the bus, so it has no inherited keys.
  for (const key in value) {
    if (skipKeys.has(key)) continue;
    const failure = check(value[key], ancestors);
    if (failure !== undefined) {
      failure.path.unshift(key);
      return failure;
    }
  }
  return undefined;
}

function check(value: unknown, ancestors: object[]): Failure | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "undefined": // dropped by JSON.stringify, like a Python field that is absent
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : fail("non_finite_number", `the number ${value}`);
    case "bigint":
      return fail("bigint", "a BigInt");
    case "function":
      return fail("function", "a function");
    case "symbol":
      return fail("symbol", "a symbol");
    default:
      return value === null ? undefined : checkObject(value as object, ancestors);
  }
}

function checkObject(value: object, ancestors: object[]): Failure | undefined {
  // Only ancestors make a cycle; the same object reached twice by two paths serialises fine.
  if (ancestors.includes(value)) return fail("cycle", "a circular reference");
  // Objects with toJSON (Date, Buffer, user classes) decide their own form.
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return undefined;
  if (value instanceof Map || value instanceof Set) {
    return fail("unsupported_value", `a ${value.constructor.name} (it would serialise as {})`);
  }
  ancestors.push(value);
  let failure: Failure | undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && failure === undefined; i++) {
      failure = check(value[i], ancestors);
      failure?.path.unshift(i);
    }
  } else {
    for (const key of Object.keys(value)) {
      failure = check((value as Record<string, unknown>)[key], ancestors);
      if (failure !== undefined) {
        failure.path.unshift(key);
        break;
      }
    }
  }
  ancestors.pop();
  return failure;
}

function fail(reason: InvalidEventReason, what: string): Failure {
  return { reason, what, path: [] };
}
