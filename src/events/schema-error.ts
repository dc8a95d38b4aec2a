import type * as z from "zod";
import { type FieldIssue, InvalidEventError, type InvalidEventReason } from "../errors.js";
import { shownValue } from "./json-value.js";
import { quoted } from "./printable.js";

/**
 * Plain words where zod would say "Invalid input: expected string, received undefined" or "Too small: expected
 * number to be >=0": "is required", "may not be null", "must be a string, got 5", "must be at least 0, got -1".
 */
const errorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return `is required (expected ${issue.expected})`;
      if (issue.input === null) return `may not be null (expected ${issue.expected})`;
      return `must be ${article(issue.expected)}, got ${shownValue(issue.input)}`;
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const limit = issue.code === "too_small" ? "at least" : "at most";
      const strict = issue.code === "too_small" ? "more than" : "less than";
      const words = issue.inclusive === false ? strict : limit;
      if (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint") {
        return `must be ${words} ${String(bound)}, got ${shownValue(issue.input)}`;
      }
      const unit = issue.origin === "string" ? "characters" : "items";
      return `must have ${words} ${String(bound)} ${unit}`;
    }
    default:
      return undefined;
  }
};

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/**
 * `schema.safeParse` with this library's error messages, and each issue's input kept (it costs nothing unless the
 * parse fails) so that the reason can say what was wrong with the value.
 */
export function safeParse<S extends z.ZodType>(schema: S, input: unknown): z.ZodSafeParseResult<z.output<S>> {
  return schema.safeParse(input, { error: errorMap, reportInput: true }) as z.ZodSafeParseResult<z.output<S>>;
}

/** Parses or throws the `InvalidEventError` that `invalidEventError` makes. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, subject: string): z.output<S> {
  const parsed = safeParse(schema, input);
  if (!parsed.success) throw invalidEventError(subject, parsed.error);
  return parsed.data;
}

/**
 * The error for a value its schema refused. The reason is the first issue's: a JSON failure keeps its own
 * (`cycle`, `bigint`…), NaN or ±Infinity is `non_finite_number` wherever it is (as in a custom event, which no schema
 * but JSON's judges), a key the type does not have is `unknown_field`, anything else `schema`.
 */
export function invalidEventError(subject: string, error: z.ZodError): InvalidEventError {
  const issues: FieldIssue[] = [];
  const lines: string[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map((key) => (typeof key === "symbol" ? String(key) : key));
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        issues.push({ path: [...path, key], message: "unknown field" });
      }
      lines.push(unknownKeysLine(subject, path, issue.keys));
    } else {
      issues.push({ path, message: issue.message });
      lines.push(path.length === 0 ? issue.message : `${formatPath(path)} ${issue.message}`);
    }
  }
  return new InvalidEventError(reasonOf(error.issues[0]), `invalid ${subject}: ${lines.join("; ")}`, issues);
}

function reasonOf(issue: z.core.$ZodIssue | undefined): InvalidEventReason {
  if (issue === undefined) return "schema";
  if (issue.code === "unrecognized_keys") return "unknown_field";
  if (isNonFiniteNumber(issue.input)) return "non_finite_number";
  if (issue.code === "custom") {
    const reason = (issue.params as { reason?: InvalidEventReason } | undefined)?.reason;
    if (reason !== undefined) return reason;
  }
  return "schema";
}

/** NaN or ±Infinity: what JSON cannot carry, whatever the field expected. */
export function isNonFiniteNumber(value: unknown): boolean {
  return typeof value === "number" && !Number.isFinite(value);
}

function unknownKeysLine(subject: string, path: readonly (string | number)[], keys: readonly string[]): string {
  const names = keys.map(quoted).join(", ");
  const plural = keys.length === 1 ? "field" : "fields";
  if (path.length === 0) {
    return `${subject} has no ${plural} ${names}, and the Python framework's reader refuses unknown keys: put your own data in \`meta\``;
  }
  return `${formatPath(path)} has no ${plural} ${names}, and the Python framework's reader refuses unknown keys: put your own data in its \`meta\` where it has one`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `a.b[0]["odd key"]`, in backticks; keys with control characters are escaped, never printed raw. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (IDENTIFIER.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${quoted(key)}]`;
  }
  return `\`${out}\``;
}
