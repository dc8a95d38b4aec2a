import { ModelStreamError, StructureRunEventsError } from "../errors.js";

/**
 * Checks on stream parts from outside: an SDK part or chunk whose field is not what the SDK's types say is refused
 * with a typed error naming the field, never published half-right.
 */
export function requireString(value: unknown, what: string, sdk: string): string {
  if (typeof value === "string") return value;
  throw invalidPart(sdk, `${what} must be a string, got ${describe(value)}`);
}

export function requireIndex(value: unknown, what: string, sdk: string): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  throw invalidPart(sdk, `${what} must be a non-negative integer, got ${describe(value)}`);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

export function invalidPart(sdk: string, message: string, cause?: unknown): ModelStreamError {
  return new ModelStreamError("invalid_part", `invalid ${sdk} stream part: ${message}`, { cause });
}

/**
 * What a part handler threw, as a typed error: the library's own errors (a publish refused by the bus, a refused
 * part) pass as they are; anything else came from reading a hostile part (a getter that throws).
 */
export function typedPartError(error: unknown, sdk: string): unknown {
  if (error instanceof StructureRunEventsError) return error;
  return invalidPart(sdk, "reading the part threw", error);
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}
