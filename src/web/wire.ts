// The shapes the page reads from the Events API, checked at run time: everything in an event comes from the
// structure, which may send anything, so the page narrows what it reads and never trusts a declared type.

export type JsonRecord = Record<string, unknown>;

/** An EventDetail (see docs/wire-format.md) as the page uses it. */
export interface EventDetail {
  readonly event_id: string;
  readonly timestamp: number | undefined;
  readonly type: string;
  readonly payload: JsonRecord;
  readonly created_at: string | undefined;
  readonly origin: string;
}

/** A run resource, as `GET /api/structure-runs/{id}` and the runs list give it. */
export interface RunResource {
  readonly structure_run_id: string;
  readonly structure_id: string | null;
  readonly status: string;
  readonly created_at: string | undefined;
  readonly completed_at: string | null;
  readonly args: readonly string[];
  readonly output: JsonRecord | null;
  readonly status_detail: JsonRecord | null;
}

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** An EventDetail from parsed JSON, or undefined when it is not one (no type, no payload object). */
export function toEventDetail(value: unknown): EventDetail | undefined {
  if (!isRecord(value)) return undefined;
  const type = str(value.type);
  const payload = value.payload;
  if (type === undefined || !isRecord(payload)) return undefined;
  return {
    event_id: str(value.event_id) ?? "",
    timestamp: num(value.timestamp),
    type,
    payload,
    created_at: str(value.created_at),
    origin: str(value.origin) ?? "USER",
  };
}

export function toRunResource(value: unknown): RunResource | undefined {
  if (!isRecord(value)) return undefined;
  const id = str(value.structure_run_id);
  if (id === undefined) return undefined;
  return {
    structure_run_id: id,
    structure_id: str(value.structure_id) ?? null,
    status: str(value.status) ?? "UNKNOWN",
    created_at: str(value.created_at),
    completed_at: str(value.completed_at) ?? null,
    args: Array.isArray(value.args) ? value.args.filter((a): a is string => typeof a === "string") : [],
    output: isRecord(value.output) ? value.output : null,
    status_detail: isRecord(value.status_detail) ? value.status_detail : null,
  };
}

/**
 * The key readers de-duplicate by (see docs/delivery.md: delivery is at least once, a retried batch is stored
 * twice): a USER event's own `payload.id`, else the stored `event_id`.
 */
export function dedupKey(event: EventDetail): string {
  const id = event.origin === "USER" ? str(event.payload.id) : undefined;
  return id !== undefined && id !== "" ? `u:${id}` : `e:${event.event_id}`;
}
