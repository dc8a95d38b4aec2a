// Entry point of `structure-run-events`: what structure code and its tests use. The bus and its listeners, the
// drivers, runStructure, the events and their schemas, artifacts and prompt stacks, the errors. The local runtime and
// the client are behind `structure-run-events/local`, each SDK adapter behind its own subpath; none is loaded here.
export { EventBus, type EventBusOptions, type EventListenerRegistration, eventBus } from "./bus/event-bus.js";
export { type EventHandler, EventListener, type EventListenerOptions } from "./bus/event-listener.js";
export type { DriverStats } from "./drivers/batching-event-listener-driver.js";
export { type BatchingOptions, DEFAULT_BATCHING_OPTIONS } from "./drivers/batching-options.js";
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
  type ErrorCode,
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
export {
  type ActionChunkEvent,
  ActionChunkEventSchema,
  type AudioChunkEvent,
  AudioChunkEventSchema,
  type CustomEvent,
  type CustomEventInput,
  CustomEventSchema,
  type Event,
  type EventInput,
  type EventType,
  type FinishActionsSubtaskEvent,
  FinishActionsSubtaskEventSchema,
  type FinishAudioTranscriptionEvent,
  FinishAudioTranscriptionEventSchema,
  type FinishImageGenerationEvent,
  FinishImageGenerationEventSchema,
  type FinishImageQueryEvent,
  FinishImageQueryEventSchema,
  type FinishPromptEvent,
  FinishPromptEventSchema,
  type FinishStructureRunEvent,
  FinishStructureRunEventSchema,
  type FinishTaskEvent,
  FinishTaskEventSchema,
  type FinishTextToSpeechEvent,
  FinishTextToSpeechEventSchema,
  KNOWN_EVENT_SCHEMAS,
  type KnownEvent,
  type KnownEventInput,
  type KnownEventOf,
  type KnownEventType,
  type StartActionsSubtaskEvent,
  StartActionsSubtaskEventSchema,
  type StartAudioTranscriptionEvent,
  StartAudioTranscriptionEventSchema,
  type StartImageGenerationEvent,
  StartImageGenerationEventSchema,
  type StartImageQueryEvent,
  StartImageQueryEventSchema,
  type StartPromptEvent,
  StartPromptEventSchema,
  type StartStructureRunEvent,
  StartStructureRunEventSchema,
  type StartTaskEvent,
  StartTaskEventSchema,
  type StartTextToSpeechEvent,
  StartTextToSpeechEventSchema,
  type SubtaskAction,
  SubtaskActionSchema,
  type TextChunkEvent,
  TextChunkEventSchema,
} from "./events/event-schemas.js";
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
export {
  type UserEventEnvelope,
  UserEventEnvelopeSchema,
  UserEventsPostBodySchema,
} from "./events/user-events-post-body.js";
export type { Logger } from "./logger.js";
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
