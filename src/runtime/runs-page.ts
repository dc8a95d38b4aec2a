import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendPaced } from "./paced-response.js";
import { intParam } from "./query-params.js";
import type { RunStore } from "./run-store.js";

/** `GET /api/structure-runs` paging: `limit` when none is given, and the most one page holds. */
export const RUNS_PAGE_DEFAULT_LIMIT = 100;
export const RUNS_PAGE_MAX_LIMIT = 1000;

/**
 * `GET /api/structure-runs?offset&limit`: the emulator's runs, newest first, as run resources, paged like the
 * events route: `{"structure_runs": [...], "count", "limit", "offset", "next_offset", "total_count"}`.
 *
 * The answer carries an `ETag`; a request whose `If-None-Match` matches gets 304 and no body. The web view polls
 * this route for its runs list, and a run's resource changes a handful of times in its life (created, each
 * status, its output), so nearly every poll is a 304 whatever the size of the runs' outputs.
 */
export function sendRunsPage(
  req: IncomingMessage,
  res: ServerResponse,
  store: RunStore,
  query: URLSearchParams,
  stallTimeoutMs: number,
): Promise<void> {
  const offset = intParam(query, "offset", 0);
  const limit = Math.min(intParam(query, "limit", RUNS_PAGE_DEFAULT_LIMIT), RUNS_PAGE_MAX_LIMIT);
  const ids = store.runIds().reverse();
  const runs = ids.slice(offset, offset + limit).map((id) => store.resourceJson(id) ?? "null");
  const parts = [
    '{"structure_runs":[',
    ...runs.map((run, i) => (i === 0 ? run : `,${run}`)),
    `],"count":${runs.length},"limit":${limit},"offset":${offset},"next_offset":${offset + runs.length},` +
      `"total_count":${ids.length}}`,
  ];
  const hash = createHash("sha256");
  let length = 0;
  for (const part of parts) {
    hash.update(part);
    length += Buffer.byteLength(part);
  }
  const etag = `"${hash.digest("base64url").slice(0, 27)}"`;
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, { etag, "cache-control": "no-cache" });
    res.end();
    return Promise.resolve();
  }
  // Written at the reader's pace, as a page of events is; a reader that takes nothing is dropped.
  return sendPaced(
    res,
    { "content-type": "application/json; charset=utf-8", "content-length": length, etag, "cache-control": "no-cache" },
    parts,
    stallTimeoutMs,
  );
}
