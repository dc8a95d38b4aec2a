export { EventBus, type EventBusOptions, type EventListenerRegistration, eventBus } from "./bus/event-bus.js";
export { type EventHandler, EventListener, type EventListenerOptions } from "./bus/event-listener.js";
export {
  type CreatedRun,
  EVENTS_CLIENT_DEFAULTS,
  EventsApiError,
  EventsClient,
  type EventsClientOptions,
  type StreamEventsOptions,
} from "./client/events-client.js";
export {
  BatchingEventListenerDriver,
  type DriverStats,
} from "./drivers/batching-event-listener-driver.js";
export {
  type BatchingOptions,
  DEFAULT_BATCHING_OPTIONS,
  TUNING_ENV_PREFIX,
  tuningEnvName,
} from "./drivers/batching-options.js";
export {
  DIAGNOSTICS_CHANNELS,
  type DropDiagnostic,
  type FailureDiagnostic,
  type RequestDiagnostic,
  type RetryDiagnostic,
} from "./drivers/delivery-diagnostics.js";
export type {
  DeliveryReport,
  EventListenerDriver,
  FailureReason,
  FlushOptions,
  LastAttempt,
  OutputDelivery,
} from "./drivers/event-listener-driver.js";
export {
  DEFAULT_BASE_URL,
  GriptapeCloudEventListenerDriver,
  type GriptapeCloudEventListenerDriverOptions,
} from "./drivers/griptape-cloud-event-listener-driver.js";
export { MemoryEventListenerDriver, type RecordedEvent } from "./drivers/memory-event-listener-driver.js";
export {
  PrettyPrintEventListenerDriver,
  type PrettyPrintOptions,
} from "./drivers/pretty-print-event-listener-driver.js";
export {
  ConfigError,
  type FieldIssue,
  InvalidArtifactError,
  InvalidEventError,
  type InvalidEventReason,
  ListenerError,
  ShutDownError,
  StructureRunEventsError,
} from "./errors.js";
export {
  type Artifact,
  type ArtifactInput,
  ArtifactSchema,
  type ArtifactType,
  type BlobArtifact,
  BlobArtifactSchema,
  type BooleanArtifact,
  BooleanArtifactSchema,
  type ErrorArtifact,
  ErrorArtifactSchema,
  type JsonArtifact,
  JsonArtifactSchema,
  type ListArtifact,
  type ListArtifactInput,
  ListArtifactSchema,
  type Reference,
  ReferenceSchema,
  type TextArtifact,
  TextArtifactSchema,
  toArtifact,
} from "./events/artifacts.js";
export * from "./events/event-schemas.js";
export { newEventId, nowSeconds } from "./events/ids.js";
export {
  type JsonObject,
  type JsonObjectInput,
  JsonObjectSchema,
  type JsonValue,
  type JsonValueInput,
  JsonValueSchema,
} from "./events/json-value.js";
export {
  type Message,
  type MessageContent,
  type MessageContentInput,
  MessageContentSchema,
  type MessageInput,
  type MessageRole,
  MessageSchema,
  OtherMessageContentSchema,
  type PromptStack,
  type PromptStackInput,
  PromptStackSchema,
  type TextMessageContent,
  TextMessageContentSchema,
  TokenCountSchema,
  toPromptStack,
  type Usage,
  UsageSchema,
} from "./events/prompt-stack.js";
export { SerializedEvent } from "./events/serialized-event.js";
export * from "./events/wire-schemas.js";
export type { BatchSender, SendOutcome, SyncSendResult, TransportFailure } from "./http/batch-sender.js";
export { LOG_FORMAT_ENV, type Logger } from "./logger.js";
export {
  DEFAULT_RUN_OPTIONS,
  type RunEnd,
  type RunStructureOptions,
  type RunStructureResult,
  runStructure,
  type StructureContext,
  type StructureEntry,
  type UndeliveredOutput,
  type UndeliveredReason,
} from "./run/run-structure.js";
export { type ApiErrorBody, ApiErrorBodySchema, type ApiErrorCode } from "./runtime/api-error.js";
export { formatIsoMicros, formatSystemTime } from "./runtime/clock.js";
export { EventsApiEmulator } from "./runtime/events-api-emulator.js";
export {
  EVENTS_API_EMULATOR_DEFAULTS,
  EVENTS_PAGE_DEFAULT_LIMIT,
  EVENTS_PAGE_MAX_LIMIT,
  type EventsApiEmulatorOptions,
} from "./runtime/events-api-emulator-options.js";
export {
  LOCAL_RUN_DEFAULTS,
  type LocalRun,
  type LocalRunOptions,
  type LocalRunResult,
  startLocalRun,
} from "./runtime/local-run.js";
export { EmulatorStateError, RunStateError, UnknownRunError } from "./runtime/runtime-errors.js";
export {
  type CreateRunOptions,
  STRUCTURE_RUN_STATUSES,
  type StructureRun,
  type StructureRunResource,
  StructureRunResourceSchema,
  type StructureRunStatus,
  StructureRunStatusSchema,
} from "./runtime/structure-run.js";
export type { SystemEventPayload } from "./runtime/system-events.js";
export { isTerminalEvent, TERMINAL_RUN_STATUSES } from "./runtime/terminal-event.js";
