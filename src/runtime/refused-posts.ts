import type { IncomingMessage } from "node:http";
import { ApiError } from "./api-error.js";
import { bearerKey } from "./api-keys.js";

/** Why a POST was refused, in a few words (`401 wrong API key`) → how many times. */
export type RefusalCounts = ReadonlyMap<string, number>;

/**
 * The event POSTs the emulator refused, counted by reason, in total and per run (when the path names a run that
 * exists). A refusal before the body is read (a wrong key, a wrong run id) cannot say which events it carried: the
 * counts are how `run` tells "the structure published no FinishStructureRunEvent" from "none reached the
 * emulator" (see docs/local-runtime.md). Reasons are a fixed set, so the counts stay small.
 */
export class RefusedPosts {
  readonly #total = new Map<string, number>();
  readonly #byRun = new Map<string, Map<string, number>>();

  record(runId: string | undefined, reason: string): void {
    add(this.#total, reason);
    if (runId === undefined) return;
    let counts = this.#byRun.get(runId);
    if (counts === undefined) {
      counts = new Map();
      this.#byRun.set(runId, counts);
    }
    add(counts, reason);
  }

  /** Every refused event POST, whatever run its path named. A copy. */
  total(): RefusalCounts {
    return new Map(this.#total);
  }

  /** The refused event POSTs whose path named this run. A copy. */
  forRun(runId: string): RefusalCounts {
    return new Map(this.#byRun.get(runId));
  }
}

function add(counts: Map<string, number>, reason: string): void {
  counts.set(reason, (counts.get(reason) ?? 0) + 1);
}

const REASONS: Partial<Record<string, string>> = {
  forbidden: "403 key and run id do not match",
  not_found: "404 unknown run id",
  invalid_json: "400 invalid JSON",
  invalid_body: "400 invalid body",
  payload_too_large: "413 body too large",
  request_timeout: "408 body too slow",
  too_many_requests: "429 too many bodies at once",
  run_ended: "409 run already ended",
};

/** The reason a POST was refused with `error`, as `RefusedPosts` counts it. Never quotes the key. */
export function refusalReason(req: IncomingMessage, error: unknown): string {
  if (!(error instanceof ApiError)) return "500 emulator error";
  if (error.status === 401) {
    const presented = bearerKey(req).kind;
    return presented === "missing"
      ? "401 no API key"
      : presented === "malformed"
        ? "401 malformed Authorization header"
        : "401 wrong API key";
  }
  return REASONS[error.code] ?? `${error.status} ${error.code}`;
}
