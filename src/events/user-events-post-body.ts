import * as z from "zod";

// What a structure POSTs to the Events API (docs/wire-format.md). The driver writes these bodies as text
// (src/drivers/batching-event-listener-driver.ts); the schemas say what the text must parse as, for the emulator
// and for anyone checking a body.

/** One element of the JSON array POSTed to `/api/structure-runs/{id}/events`. */
export const UserEventEnvelopeSchema = z.object({
  payload: z.looseObject({ type: z.string().min(1) }),
  timestamp: z.number(),
  type: z.string().min(1),
});
export type UserEventEnvelope = z.infer<typeof UserEventEnvelopeSchema>;

/** The POST body: an array of envelopes. */
export const UserEventsPostBodySchema = z.array(UserEventEnvelopeSchema);
