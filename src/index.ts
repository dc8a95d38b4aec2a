export { EventBus, type EventBusOptions, type EventListenerRegistration, eventBus } from "./bus/event-bus.js";
export { type EventHandler, EventListener, type EventListenerOptions } from "./bus/event-listener.js";
export type { DeliveryReport, EventListenerDriver, FlushOptions } from "./drivers/event-listener-driver.js";
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
export type { Logger } from "./logger.js";
