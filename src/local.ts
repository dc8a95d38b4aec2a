// Entry point of `structure-run-events/local`: the local runtime (the Events API emulator, a structure run as a
// child process), the client that reads a run's events from any Events API, and the wire shapes a reader gets back.
// The CLI is built on it. The package root never imports it, so a structure, which only publishes, loads none of
// this (see docs/architecture.md).
export {
  type CreatedRun,
  EVENTS_CLIENT_DEFAULTS,
  EventsClient,
  type EventsClientOptions,
  type StreamEventsOptions,
} from "./client/events-client.js";
export { EmulatorStateError, EventsApiError, RunStateError, UnknownRunError } from "./errors.js";
export {
  type EventDetail,
  EventDetailSchema,
  type EventsPage,
  EventsPageSchema,
  StructureRunCompletedPayloadSchema,
  StructureRunErrorPayloadSchema,
  StructureRunRunningPayloadSchema,
  StructureRunStartingPayloadSchema,
  type SystemEventDetail,
  SystemEventDetailSchema,
  type SystemEventType,
  UserEventDetailSchema,
} from "./events/wire-schemas.js";
export { type ApiErrorBody, ApiErrorBodySchema, type ApiErrorCode } from "./runtime/api-error.js";
export { EventsApiEmulator } from "./runtime/events-api-emulator.js";
export { EVENTS_API_EMULATOR_DEFAULTS, type EventsApiEmulatorOptions } from "./runtime/events-api-emulator-options.js";
export {
  LOCAL_RUN_DEFAULTS,
  type LocalRun,
  type LocalRunOptions,
  type LocalRunResult,
  startLocalRun,
} from "./runtime/local-run.js";
export {
  type CreateRunOptions,
  type StructureRun,
  type StructureRunResource,
  StructureRunResourceSchema,
  type StructureRunStatus,
  StructureRunStatusSchema,
} from "./runtime/structure-run.js";
export type { SystemEventPayload } from "./runtime/system-events.js";
export { isTerminalEvent, TERMINAL_RUN_STATUSES } from "./web/terminal-event.js";
