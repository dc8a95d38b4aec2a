import { inspect } from "node:util";

/**
 * Text for values that come from user code or from outside (a thrown value, a bad option), for messages, stderr
 * lines and ErrorArtifacts. Nothing here throws, whatever the value: a Proxy whose traps throw, an object with no
 * prototype holding a BigInt, an Error whose `message` getter throws. Reading such a value is what broke the exit
 * path: every read is guarded, and each result is bounded in length.
 */

/** Longest text kept from a thrown value (message or detail); the rest is cut with a note of its length. */
export const MAX_THROWN_TEXT_CHARS = 16_384;

export interface ThrownDescription {
  /** One line for an ErrorArtifact's value: the Error's message, the string thrown, or a rendering of the value. */
  message: string;
  /**
   * Several lines for stderr: the Error as Node prints it (stack, cause); for anything else one line saying it was
   * thrown and is not an Error (`"a string" (thrown, not an Error)`).
   */
  detail: string;
}

/** Describes any thrown value or rejection reason. Never throws. */
export function describeThrown(value: unknown): ThrownDescription {
  try {
    if (isError(value)) {
      const message = errorMessage(value);
      const detail =
        attempt(() => inspect(value, { depth: 4, breakLength: Number.POSITIVE_INFINITY })) ?? stackOf(value);
      return { message: cut(message), detail: cut(detail ?? `Error: ${message}`) };
    }
    // A string keeps its text as the message (an ErrorArtifact's value reads as the Error's would), but the stderr
    // detail says it is not an Error: `Error: a string` would claim an Error, with a stack, was thrown.
    if (typeof value === "string" && value !== "") {
      return { message: cut(value), detail: cut(`${render(value)} (thrown, not an Error)`) };
    }
    // Neither an Error nor a string: say so, or `throw undefined` reads as a message "undefined".
    const message = `${render(value)} (thrown, not an Error)`;
    return { message: cut(message), detail: cut(message) };
  } catch {
    return { message: "a value that cannot be described", detail: "Error: a value that cannot be described" };
  }
}

/**
 * A value quoted for an error message about bad input: strings JSON-quoted (control characters escaped, so a
 * value cannot rewrite the terminal) and cut to `maxChars`; anything else rendered. Never throws.
 */
export function quoteValue(value: unknown, maxChars = 80): string {
  try {
    if (typeof value === "string") {
      const shown = value.length > maxChars ? `${value.slice(0, maxChars)}…` : value;
      return JSON.stringify(shown);
    }
    const text = render(value);
    return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
  } catch {
    return "a value that cannot be described";
  }
}

/** A short rendering of any value: primitives as JS writes them, objects as JSON (BigInt allowed) or their tag. */
function render(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "bigint":
      return `${value}n`;
    case "symbol":
      return attempt(() => value.toString()) ?? "a symbol";
    case "function":
      return "a function";
    case "object":
      if (value === null) return "null";
      return (
        attempt(() => JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))) ??
        attempt(() => Object.prototype.toString.call(value)) ??
        "an object that cannot be read"
      );
    default:
      return String(value);
  }
}

function isError(value: unknown): value is Error {
  // instanceof runs a Proxy's getPrototypeOf trap; an Error from another realm fails it but is still an Error.
  return attempt(() => value instanceof Error) === true || attempt(() => isNativeError(value)) === true;
}

function isNativeError(value: unknown): boolean {
  return Object.prototype.toString.call(value) === "[object Error]";
}

function errorMessage(error: Error): string {
  const message = attempt(() => error.message);
  if (typeof message === "string" && message !== "") return message;
  const name = attempt(() => error.name);
  return typeof name === "string" && name !== "" ? name : "Error";
}

function stackOf(error: Error): string | undefined {
  const stack = attempt(() => error.stack);
  return typeof stack === "string" ? stack : undefined;
}

function cut(text: string): string {
  return text.length > MAX_THROWN_TEXT_CHARS
    ? `${text.slice(0, MAX_THROWN_TEXT_CHARS)}… (${text.length - MAX_THROWN_TEXT_CHARS} more characters)`
    : text;
}

function attempt<T>(read: () => T): T | undefined {
  try {
    const value = read();
    return value;
  } catch {
    return undefined;
  }
}
