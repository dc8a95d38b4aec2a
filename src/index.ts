export { EventBus, type EventBusOptions, type EventListenerRegistration, eventBus } from "./bus/event-bus.js";
export { type EventHandler, EventListener, type EventListenerOptions } from "./bus/event-listener.js";
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
export type { DeliveryReport, EventListenerDriver, FlushOptions } from "./drivers/event-listener-driver.js";
export {
  DEFAULT_BASE_URL,
  GriptapeCloudEventListenerDriver,
  type GriptapeCloudEventListenerDriverOptions,
} from "./drivers/griptape-cloud-event-listener-driver.js";
export { MemoryEventListenerDriver } from "./drivers/memory-event-listener-driver.js";
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
  ArtifactSchema,
  type ArtifactType,
  BlobArtifactSchema,
  BooleanArtifactSchema,
  ErrorArtifactSchema,
  JsonArtifactSchema,
  type ListArtifact,
  ListArtifactSchema,
  TextArtifactSchema,
  toArtifact,
} from "./events/artifacts.js";
export * from "./events/event-schemas.js";
export { newEventId, nowSeconds } from "./events/ids.js";
export { SerializedEvent } from "./events/serialized-event.js";
export * from "./events/wire-schemas.js";
export type { BatchSender, SendOutcome } from "./http/batch-sender.js";
export type { Logger } from "./logger.js";
export {
  PrettyPrintEventListenerDriver,
  type PrettyPrintOptions,
} from "./drivers/pretty-print-event-listener-driver.js";
export {
  DEFAULT_RUN_OPTIONS,
  type RunEnd,
  type RunStructureOptions,
  type RunStructureResult,
  runStructure,
  type StructureContext,
  type StructureEntry,
} from "./run/run-structure.js";
