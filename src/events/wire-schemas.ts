import * as z from "zod";

// The Events API's own shapes as a reader gets them back (docs/wire-format.md): the EventDetail of a stored event,
// a page of them, and the SYSTEM events of a run's lifecycle. What a structure POSTs is in
// user-events-post-body.ts: a structure's process never builds these.

const isoDateTime = z.iso.datetime({ offset: true, local: true });

const statusDetailCompleted = z.object({
  reason: z.string(),
  message: z.string().nullable(),
  exit_code: z.int().nullable(),
});

export const StructureRunStartingPayloadSchema = z.object({ status: z.literal("STARTING") });
export const StructureRunRunningPayloadSchema = z.object({ status: z.literal("RUNNING"), started_at: isoDateTime });
export const StructureRunCompletedPayloadSchema = z.object({
  status: z.enum(["SUCCEEDED", "FAILED", "CANCELLED"]),
  started_at: isoDateTime,
  completed_at: isoDateTime,
  status_detail: statusDetailCompleted,
});
export const StructureRunErrorPayloadSchema = z.object({
  status: z.literal("ERROR"),
  status_detail: z.object({ error: z.string() }),
});

const detailBase = {
  event_id: z.string().min(1),
  timestamp: z.number(),
  created_at: z.iso.datetime(),
  structure_run: z.string().min(1),
};

export const SystemEventDetailSchema = z.discriminatedUnion("type", [
  z.object({
    ...detailBase,
    origin: z.literal("SYSTEM"),
    type: z.literal("StructureRunStarting"),
    payload: StructureRunStartingPayloadSchema,
  }),
  z.object({
    ...detailBase,
    origin: z.literal("SYSTEM"),
    type: z.literal("StructureRunRunning"),
    payload: StructureRunRunningPayloadSchema,
  }),
  z.object({
    ...detailBase,
    origin: z.literal("SYSTEM"),
    type: z.literal("StructureRunCompleted"),
    payload: StructureRunCompletedPayloadSchema,
  }),
  z.object({
    ...detailBase,
    origin: z.literal("SYSTEM"),
    type: z.literal("StructureRunError"),
    payload: StructureRunErrorPayloadSchema,
  }),
]);
export type SystemEventDetail = z.infer<typeof SystemEventDetailSchema>;
export type SystemEventType = SystemEventDetail["type"];

export const UserEventDetailSchema = z.object({
  ...detailBase,
  origin: z.literal("USER"),
  type: z.string().min(1),
  payload: z.looseObject({ type: z.string().min(1) }),
});

/** An event as a reader gets it back from the Events API (list or stream). */
export const EventDetailSchema = z.union([SystemEventDetailSchema, UserEventDetailSchema]);
export type EventDetail = z.infer<typeof EventDetailSchema>;

/** `GET /api/structure-runs/{id}/events?offset&limit`. */
export const EventsPageSchema = z.object({
  events: z.array(EventDetailSchema),
  count: z.int().nonnegative(),
  limit: z.int().nonnegative(),
  offset: z.int().nonnegative(),
  next_offset: z.int().nonnegative(),
  total_count: z.int().nonnegative(),
});
export type EventsPage = z.infer<typeof EventsPageSchema>;
