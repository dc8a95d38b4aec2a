import { type EventDetail, isRecord, num, type RunResource, toEventDetail, toRunResource } from "./wire.js";

/**
 * The page's reads of the Events API. Requests are same-origin and carry the session cookie the token exchange
 * left (the page never holds a key); everything is a GET.
 */

/** The session cookie is missing or no longer known (the emulator restarted): a new link is needed. */
export class SessionEndedError extends Error {
  constructor() {
    super("the session ended: open a new link printed by the emulator");
  }
}

export class NotFoundError extends Error {}

/** The most events one page holds (the emulator caps `limit` there too). */
export const EVENTS_PAGE_LIMIT = 1000;

export interface EventsPage {
  readonly events: EventDetail[];
  /** Stored events in the page, malformed ones included: what the offset moves by. */
  readonly count: number;
  readonly totalCount: number;
}

export interface RunsPage {
  readonly runs: RunResource[];
  readonly totalCount: number;
}

export async function getJson(path: string, signal?: AbortSignal): Promise<unknown> {
  const res = await fetch(path, { headers: { accept: "application/json" }, ...(signal ? { signal } : {}) });
  return readJson(res);
}

async function readJson(res: Response): Promise<unknown> {
  if (res.status === 401) throw new SessionEndedError();
  if (res.status === 404) throw new NotFoundError("not found");
  if (!res.ok) throw new Error(`the emulator answered ${res.status}`);
  return (await res.json()) as unknown;
}

export async function getRun(runId: string, signal?: AbortSignal): Promise<RunResource> {
  const run = toRunResource(await getJson(`/api/structure-runs/${encodeURIComponent(runId)}`, signal));
  if (run === undefined) throw new Error("the emulator sent a run the page cannot read");
  return run;
}

export async function getEventsPage(runId: string, offset: number, signal?: AbortSignal): Promise<EventsPage> {
  const body = await getJson(
    `/api/structure-runs/${encodeURIComponent(runId)}/events?offset=${offset}&limit=${EVENTS_PAGE_LIMIT}`,
    signal,
  );
  if (!isRecord(body) || !Array.isArray(body.events))
    throw new Error("the emulator sent an events page the page cannot read");
  const events: EventDetail[] = [];
  for (const raw of body.events) {
    const event = toEventDetail(raw);
    if (event !== undefined) events.push(event);
  }
  return { events, count: body.events.length, totalCount: num(body.total_count) ?? offset + body.events.length };
}

/**
 * The runs list, newest first. `etag` is the previous answer's: when nothing changed the emulator answers 304 and
 * this resolves `undefined`, so a poll costs no transfer however large the runs' outputs are.
 */
export async function getRunsPage(
  etag: string | undefined,
  signal?: AbortSignal,
): Promise<{ page: RunsPage; etag: string | undefined } | undefined> {
  const res = await fetch("/api/structure-runs?limit=200", {
    headers: { accept: "application/json", ...(etag === undefined ? {} : { "if-none-match": etag }) },
    cache: "no-store",
    ...(signal ? { signal } : {}),
  });
  if (res.status === 304) return undefined;
  const body = await readJson(res);
  if (!isRecord(body) || !Array.isArray(body.structure_runs))
    throw new Error("the emulator sent a runs list the page cannot read");
  const runs = body.structure_runs.map(toRunResource).filter((r): r is RunResource => r !== undefined);
  return {
    page: { runs, totalCount: num(body.total_count) ?? runs.length },
    etag: res.headers.get("etag") ?? undefined,
  };
}
