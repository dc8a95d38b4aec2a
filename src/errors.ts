/**
 * Every error class of the library, in one place. Each extends `StructureRunEventsError` and carries a stable
 * `code` from `ErrorCode`, so callers branch on `err.code` rather than on message text (undici's convention).
 * Messages say what to do and never contain a secret. Which entry point exports which class: the root has the
 * structure's errors, `structure-run-events/local` the local runtime's and the client's, each adapter subpath its
 * own; they are the same classes everywhere, so `instanceof` holds across entry points.
 */

/** The stable `code` of every error the library throws. */
export type ErrorCode =
  | "ERR_INVALID_EVENT"
  | "ERR_INVALID_ARTIFACT"
  | "ERR_CONFIG"
  | "ERR_SHUT_DOWN"
  | "ERR_LISTENER"
  /** A second `runStructure` while one runs. */
  | "ERR_ALREADY_RUNNING"
  /** `publishEvent` nested too deep inside listeners' `onEvent`: a listener that republishes loops. */
  | "ERR_PUBLISH_LOOP"
  /** The reason of a run's `signal` when SIGTERM or SIGINT aborts it. */
  | "ERR_ABORTED"
  | "ERR_MODEL_STREAM"
  | "ERR_STREAM_ABORTED"
  | "ERR_EVENTS_API"
  | "ERR_UNKNOWN_RUN"
  | "ERR_RUN_STATE"
  | "ERR_NOT_LISTENING"
  | "ERR_USAGE";

export class StructureRunEventsError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
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

/**
 * The Events API answered with an error status, or with something that is not what the route promises (then
 * `status` is the HTTP status of that answer, 2xx included; 0 when there was no answer). Thrown by `EventsClient`.
 * Code `ERR_EVENTS_API`.
 */
export class EventsApiError extends StructureRunEventsError {
  readonly status: number;

  constructor(status: number, message: string) {
    super("ERR_EVENTS_API", message);
    this.status = status;
  }
}

/** No run has this id in the emulator. Code `ERR_UNKNOWN_RUN`. */
export class UnknownRunError extends StructureRunEventsError {
  readonly runId: string;

  constructor(runId: string) {
    super("ERR_UNKNOWN_RUN", `no structure run with id "${runId}": create it with createRun() first`);
    this.runId = runId;
  }
}

/**
 * A SYSTEM event that the run's lifecycle does not allow now: statuses only move forward
 * (QUEUED → STARTING → RUNNING → a terminal status), and nothing follows a terminal status. Code `ERR_RUN_STATE`.
 */
export class RunStateError extends StructureRunEventsError {
  readonly runId: string;

  constructor(runId: string, message: string) {
    super("ERR_RUN_STATE", message);
    this.runId = runId;
  }
}

/** The emulator is not listening (not started yet, or closed). Code `ERR_NOT_LISTENING`. */
export class EmulatorStateError extends StructureRunEventsError {
  constructor(message: string) {
    super("ERR_NOT_LISTENING", message);
  }
}

/** Bad command-line input. Code `ERR_USAGE`; the CLI prints the message and the usage, and exits 2. Not exported. */
export class UsageError extends StructureRunEventsError {
  constructor(message: string) {
    super("ERR_USAGE", message);
  }
}
