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

/** Why an adapter refused a model stream (see docs/adapters.md). */
export type ModelStreamErrorReason =
  /** A part or chunk is not what the SDK's own types describe (not an object, a field of the wrong type). */
  | "invalid_part"
  /** The stream ended before the model said it had finished (no finish reason, no terminal event). */
  | "truncated"
  /** The model reported a failure inside the stream (an OpenAI `error` or `response.failed` event). */
  | "model_error"
  /** A tool result names a call the step did not make. */
  | "unknown_tool_call";

/**
 * An adapter could not map a model stream to events. Everything already read was published first.
 * Code `ERR_MODEL_STREAM`; `reason` says which problem.
 */
export class ModelStreamError extends StructureRunEventsError {
  readonly reason: ModelStreamErrorReason;

  constructor(reason: ModelStreamErrorReason, message: string, options?: { cause?: unknown }) {
    super("ERR_MODEL_STREAM", message, options);
    this.reason = reason;
  }
}

/**
 * The stream an adapter was reading was aborted (its `signal`, or the SDK reported an abort). What was read
 * before was published first. Code `ERR_STREAM_ABORTED`; `cause` is the abort reason when there is one.
 */
export class StreamAbortedError extends StructureRunEventsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_STREAM_ABORTED", message, options);
  }
}
