/**
 * Every error this library throws extends `StructureRunEventsError` and carries a stable `code`,
 * so callers branch on `err.code` rather than on message text (undici's convention).
 * Messages say what to do and never contain a secret.
 */
export class StructureRunEventsError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Why an event was refused at publish. */
export type InvalidEventReason =
  | "not_object"
  | "missing_type"
  | "cycle"
  | "bigint"
  | "function"
  | "symbol"
  | "non_finite_number"
  | "unsupported_value"
  | "schema"
  | "unknown_field"
  | "unreadable"
  | "too_large";

export interface FieldIssue {
  /** Path of the failing field inside the event, e.g. `["output_task_output", "value"]`. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Thrown by `publishEvent` at the call site; nothing already published is affected. Code `ERR_INVALID_EVENT`. */
export class InvalidEventError extends StructureRunEventsError {
  readonly reason: InvalidEventReason;
  readonly issues: readonly FieldIssue[];

  constructor(
    reason: InvalidEventReason,
    message: string,
    issues: readonly FieldIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super("ERR_INVALID_EVENT", message, options);
    this.reason = reason;
    this.issues = issues;
  }
}

/** Thrown by `toArtifact` for a value no artifact can carry. Code `ERR_INVALID_ARTIFACT`. */
export class InvalidArtifactError extends StructureRunEventsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_INVALID_ARTIFACT", message, options);
  }
}

/** Bad configuration (options or environment variables). Code `ERR_CONFIG`; `variable` names the culprit. */
export class ConfigError extends StructureRunEventsError {
  readonly variable: string;

  constructor(variable: string, message: string) {
    super("ERR_CONFIG", message);
    this.variable = variable;
  }
}

/** An operation on something already shut down. Code `ERR_SHUT_DOWN`. */
export class ShutDownError extends StructureRunEventsError {
  constructor(message: string) {
    super("ERR_SHUT_DOWN", message);
  }
}

/**
 * A listener's `onEvent` threw or returned something that is not an event. Reported to the bus's
 * `onListenerError` (default: logged), never thrown into the publisher. Code `ERR_LISTENER`.
 */
export class ListenerError extends StructureRunEventsError {
  readonly eventType: string;
  readonly eventId: string;

  constructor(message: string, eventType: string, eventId: string, options?: { cause?: unknown }) {
    super("ERR_LISTENER", message, options);
    this.eventType = eventType;
    this.eventId = eventId;
  }
}
