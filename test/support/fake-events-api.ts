// Plain node:http servers on 127.0.0.1 that a test scripts to behave as an Events API does (or does not), and the
// bodies such a server sends: EventDetails, SSE frames, events pages. Every server is closed after its test.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";
import { type EventDetail, EventDetailSchema } from "../../src/local.js";

export const RUN_ID = "12345678-e125-4c38-b67f-02b82aa443ce";

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

const servers = new Set<Server>();

afterEach(async () => {
  await Promise.all([...servers].map(closeServer));
});

function closeServer(server: Server): Promise<void> {
  servers.delete(server);
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Listens on a free port of 127.0.0.1; returns the base URL. The server is closed after the test. */
export async function listen(server: Server): Promise<string> {
  servers.add(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A server answering every request with `handler`; resolves with its base URL. */
export function serve(handler: Handler): Promise<string> {
  return listen(createServer((req, res) => handler(req, res, new URL(req.url ?? "/", "http://127.0.0.1"))));
}

/** A port on 127.0.0.1 where nothing listens: a connection is refused at once. */
export async function closedPort(): Promise<string> {
  const server = createServer();
  const base = await listen(server);
  await closeServer(server);
  return base;
}

/** The `n`th stored event of RUN_ID: ids, timestamps and `created_at` (second 40 + n) follow `n`. */
export function detail(
  n: number,
  type: string,
  origin: "USER" | "SYSTEM",
  payload: Record<string, unknown>,
): EventDetail {
  const createdAt = new Date(Date.UTC(2024, 8, 11, 23, 15, 40 + n)).toISOString();
  return EventDetailSchema.parse({
    event_id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    timestamp: 1726096542 + n,
    type,
    payload,
    created_at: `${createdAt.slice(0, 19)}.000000Z`,
    origin,
    structure_run: RUN_ID,
  });
}

/** SSE frames for `events[from..to)`, each with its offset as `id`. */
export function frames(events: readonly EventDetail[], from: number, to = events.length): string {
  return events
    .slice(from, to)
    .map((event, i) => `id: ${from + i}\ndata: ${JSON.stringify(event)}\n\n`)
    .join("");
}

/** An events page from `offset`, of at most `limit`, as if only the first `available` events were stored. */
export function page(events: readonly EventDetail[], offset: number, limit = 100, available = events.length): string {
  const slice = events.slice(offset, Math.min(offset + limit, available));
  return JSON.stringify({
    events: slice,
    count: slice.length,
    limit,
    offset,
    next_offset: offset + slice.length,
    total_count: available,
  });
}
