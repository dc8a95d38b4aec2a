import type * as z from "zod";
import { InvalidEventError } from "../errors.js";
import {
  StructureRunCompletedPayloadSchema,
  StructureRunErrorPayloadSchema,
  StructureRunRunningPayloadSchema,
  StructureRunStartingPayloadSchema,
  type SystemEventDetail,
  type SystemEventType,
} from "../events/wire-schemas.js";
import { zodIssues } from "./api-error.js";
import type { StructureRunStatus } from "./structure-run.js";

/** The payload of a SYSTEM event of type `T`, e.g. `{status: "RUNNING", started_at}` for `StructureRunRunning`. */
export type SystemEventPayload<T extends SystemEventType = SystemEventType> = Extract<
  SystemEventDetail,
  { type: T }
>["payload"];

const PAYLOAD_SCHEMAS: { [T in SystemEventType]: z.ZodType<SystemEventPayload<T>> } = {
  StructureRunStarting: StructureRunStartingPayloadSchema,
  StructureRunRunning: StructureRunRunningPayloadSchema,
  StructureRunCompleted: StructureRunCompletedPayloadSchema,
  StructureRunError: StructureRunErrorPayloadSchema,
};

export function isSystemEventType(type: string): type is SystemEventType {
  return Object.hasOwn(PAYLOAD_SCHEMAS, type);
}

/** Validates a SYSTEM payload against its wire schema; `InvalidEventError` (reason "schema") lists the failing paths. */
export function parseSystemEventPayload<T extends SystemEventType>(type: T, payload: unknown): SystemEventPayload<T> {
  if (!isSystemEventType(type)) {
    throw new InvalidEventError(
      "schema",
      `unknown SYSTEM event type "${String(type)}": use StructureRunStarting, StructureRunRunning, StructureRunCompleted or StructureRunError`,
    );
  }
  const schema: z.ZodType<SystemEventPayload<T>> = PAYLOAD_SCHEMAS[type];
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    const where = issues.map((i) => `${i.path.join(".") || "(payload)"}: ${i.message}`).join("; ");
    throw new InvalidEventError("schema", `invalid ${type} payload: ${where}`, issues);
  }
  return parsed.data;
}

/** Lifecycle order: a SYSTEM event must move the run strictly forward. */
export function statusRank(status: StructureRunStatus): number {
  switch (status) {
    case "QUEUED":
      return 0;
    case "STARTING":
      return 1;
    case "RUNNING":
      return 2;
    default:
      return 3;
  }
}
