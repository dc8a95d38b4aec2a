import type { IncomingMessage, ServerResponse } from "node:http";
import * as z from "zod";
import { ENV } from "../config.js";
import { RunStateError } from "../errors.js";
import {
  type UserEventEnvelope,
  UserEventEnvelopeSchema,
  UserEventsPostBodySchema,
} from "../events/user-events-post-body.js";
import type { Logger } from "../logger.js";
import { ApiError, zodIssues } from "./api-error.js";
import { bearerKey, digestsEqual, keyDigest } from "./api-keys.js";
import type { BodyBudget } from "./body-budget.js";
import { EVENTS_PAGE_DEFAULT_LIMIT, EVENTS_PAGE_MAX_LIMIT, MAX_JSON_DEPTH } from "./events-api-emulator-options.js";
import { exceedsJsonDepth } from "./json-depth.js";
import { sendPaced } from "./paced-response.js";
import { intParam } from "./query-params.js";
import { type RefusedPosts, refusalReason } from "./refused-posts.js";
import { readBody } from "./request-body.js";
import type { RunStore } from "./run-store.js";
import { sendRunsPage } from "./runs-page.js";
import { EVENT_STREAM_HEADERS, EventStream } from "./sse.js";
import type { StructureRun } from "./structure-run.js";

export interface RouterContext {
  readonly store: RunStore;
  readonly masterKeyDigest: Buffer;
  readonly maxBodyBytes: number;
  /** Request body bytes held at once, all requests together. */
  readonly bodyBudget: BodyBudget;
  readonly bodyTimeoutMs: number;
  readonly keepAliveIntervalMs: number;
  readonly streamStallTimeoutMs: number;
  readonly logger: Logger;
  /** Open event streams, so close() can end them. */
  readonly streams: Set<EventStream>;
  /** Where refused event POSTs are counted. */
  readonly refusedPosts: RefusedPosts;
  /** Called for a run created over HTTP. */
  runCreated(run: StructureRun): void;
  /** Does the request carry the web view's session cookie, good for reading (web-front.ts)? */
  webSession?(req: IncomingMessage): boolean;
}

type Principal = { kind: "master" } | { kind: "run"; runId: string };

interface RouteRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly query: URLSearchParams;
  /** The path's id segment, decoded. */
  readonly id: string;
}

interface Route {
  readonly pattern: RegExp;
  readonly methods: readonly string[];
  readonly handle: (r: RouteRequest) => void | Promise<void>;
}

const EnvVarNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name");

/** Griptape Cloud's `{args, env_vars: [{name, value}]}`; `env_vars` may also be a `{NAME: value}` map. */
const CreateRunBodySchema = z.looseObject({
  args: z.array(z.string()).default(() => []),
  env_vars: z
    .union([
      z.array(z.looseObject({ name: EnvVarNameSchema, value: z.string() })),
      z.record(EnvVarNameSchema, z.string()),
    ])
    .default(() => []),
});

/**
 * The Events API routes (see docs/wire-format.md, docs/local-runtime.md). Route and method are checked first (404,
 * 405; HEAD is allowed wherever GET is), then the bearer key (401 when missing, malformed or matching no key), then
 * the run: 403 for a run key on any run but its own, whether that run exists or not (a run key learns nothing of
 * other runs), 404 for the master key on an unknown run. Then the body (413, 429, 408, 400), then the run's state
 * (409 once it has ended).
 */
export class EventsApiRouter {
  readonly #ctx: RouterContext;

  constructor(ctx: RouterContext) {
    this.#ctx = ctx;
  }

  /** Never rejects: every failure becomes an error answer, or a destroyed socket if the answer had begun. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.#route(req, res);
    } catch (err) {
      this.#fail(req, res, err);
    }
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://emulator.invalid");
    const method = req.method ?? "GET";
    const matched = this.#routes
      .map((route) => ({ route, match: route.pattern.exec(url.pathname) }))
      .find((m) => m.match !== null);
    if (matched === undefined) throw new ApiError(404, "not_found", `no route ${method} ${url.pathname}`);
    const { route, match } = matched;
    // HEAD is GET without the body (Node's response drops it and keeps the headers).
    const allowed = route.methods.flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m]));
    if (!allowed.includes(method)) {
      throw new ApiError(405, "method_not_allowed", `method ${method} not allowed here; use ${allowed.join(" or ")}`, {
        headers: { allow: allowed.join(", ") },
      });
    }
    await route.handle({ req, res, method, query: url.searchParams, id: decode(match?.[1]) });
  }

  readonly #routes: readonly Route[] = [
    {
      pattern: /^\/api\/structure-runs\/([^/]+)\/events\/stream\/?$/,
      methods: ["GET"],
      handle: (r) => this.#stream(r, this.#authorizeRun(r.req, r.id)),
    },
    {
      pattern: /^\/api\/structure-runs\/([^/]+)\/events\/?$/,
      methods: ["GET", "POST"],
      handle: async (r) => {
        if (r.method !== "POST") return this.#listEvents(r.res, this.#authorizeRun(r.req, r.id), r.query);
        try {
          await this.#postEvents(r.req, r.res, this.#authorizeRun(r.req, r.id));
        } catch (err) {
          // Counted per run only for a run that exists: a run key's 403 says nothing of other ids, and neither
          // does anything read from these counts.
          const runId = this.#ctx.store.has(r.id) ? r.id : undefined;
          this.#ctx.refusedPosts.record(runId, refusalReason(r.req, err));
          throw err;
        }
      },
    },
    {
      pattern: /^\/api\/structure-runs\/([^/]+)\/?$/,
      methods: ["GET"],
      handle: (r) => {
        // The run's JSON is shared by every reader until it changes; each reader takes it at its own pace.
        const json = this.#ctx.store.resourceJson(this.#authorizeRun(r.req, r.id)) ?? "null";
        const head = { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(json) };
        return sendPaced(r.res, head, [json], this.#ctx.streamStallTimeoutMs);
      },
    },
    {
      pattern: /^\/api\/structure-runs\/?$/,
      methods: ["GET"],
      handle: (r) => {
        if (this.#authenticate(r.req).kind !== "master") {
          throw new ApiError(403, "forbidden", "listing runs needs the emulator's master key, not a run key");
        }
        return sendRunsPage(r.req, r.res, this.#ctx.store, r.query, this.#ctx.streamStallTimeoutMs);
      },
    },
    {
      pattern: /^\/api\/structures\/([^/]+)\/runs\/?$/,
      methods: ["POST"],
      handle: async (r) => {
        if (this.#authenticate(r.req).kind !== "master") {
          throw new ApiError(403, "forbidden", "creating a run needs the emulator's master key, not a run key");
        }
        await this.#createRun(r.req, r.res, r.id);
      },
    },
  ];

  #authenticate(req: IncomingMessage): Principal {
    const presented = bearerKey(req);
    // The web view's page reads with its session cookie (GET only), as the master key would.
    if (presented.kind === "missing" && this.#ctx.webSession?.(req) === true) return { kind: "master" };
    if (presented.kind === "missing") {
      throw new ApiError(401, "unauthorized", "missing API key: send the header Authorization: Bearer <api key>", {
        headers: { "www-authenticate": "Bearer" },
      });
    }
    if (presented.kind === "malformed") {
      // The header's value is never echoed: it may be a key.
      throw new ApiError(
        401,
        "unauthorized",
        'malformed Authorization header: expected "Bearer <api key>", the key as one token without spaces',
        { headers: { "www-authenticate": 'Bearer error="invalid_request"' } },
      );
    }
    const digest = keyDigest(presented.key);
    if (digestsEqual(digest, this.#ctx.masterKeyDigest)) return { kind: "master" };
    const runId = this.#ctx.store.runIdForKeyDigest(digest);
    if (runId === undefined) {
      throw new ApiError(401, "unauthorized", `invalid API key: use the run's key (${ENV.apiKey}) or the master key`, {
        headers: { "www-authenticate": 'Bearer error="invalid_token"' },
      });
    }
    return { kind: "run", runId };
  }

  #authorizeRun(req: IncomingMessage, runId: string): string {
    const principal = this.#authenticate(req);
    // A run key gets the same answer for another run and for no run: it must not learn which ids exist.
    if (principal.kind === "run" && principal.runId !== runId) {
      throw new ApiError(403, "forbidden", "this API key is a run's key: it may access that run only");
    }
    if (!this.#ctx.store.has(runId)) throw new ApiError(404, "not_found", `no structure run with id "${runId}"`);
    return runId;
  }

  async #postEvents(req: IncomingMessage, res: ServerResponse, runId: string): Promise<void> {
    const body = await this.#readJson(req, res);
    if (Array.isArray(body)) {
      validate(UserEventsPostBodySchema, body);
    } else if (typeof body === "object" && body !== null) {
      validate(UserEventEnvelopeSchema, body);
    } else {
      throw new ApiError(400, "invalid_body", "expected a JSON array of event envelopes, or one envelope object", {
        issues: [{ path: [], message: `expected array or object, received ${body === null ? "null" : typeof body}` }],
      });
    }
    // What is stored is the body as posted (key order and extra keys kept), not zod's copy; the cast restates
    // what zod just checked.
    const envelopes = (Array.isArray(body) ? body : [body]) as UserEventEnvelope[];
    try {
      this.#ctx.store.appendUserEvents(runId, envelopes);
    } catch (err) {
      if (err instanceof RunStateError) {
        // A terminal run's events and output are fixed: a late event (a Finish after the run ended) is refused,
        // never stored, and says why.
        throw new ApiError(409, "run_ended", err.message);
      }
      throw err;
    }
    // Stored already (readers see the events); the answer waits for a slow events file, so producers slow to
    // its pace rather than the file's queue growing in memory.
    await this.#ctx.store.eventLogDrained();
    res.writeHead(202, { "content-length": "0" });
    res.end();
  }

  #listEvents(res: ServerResponse, runId: string, query: URLSearchParams): Promise<void> {
    const offset = intParam(query, "offset", 0);
    const limit = Math.min(intParam(query, "limit", EVENTS_PAGE_DEFAULT_LIMIT), EVENTS_PAGE_MAX_LIMIT);
    const { store } = this.#ctx;
    const events = store.eventsFrom(runId, offset, limit);
    const tail =
      `],"count":${events.length},"limit":${limit},"offset":${offset},"next_offset":${offset + events.length},` +
      `"total_count":${store.eventCount(runId)}}`;
    // Each event was serialised once when stored; a page is those strings, written as the reader takes them.
    let length = Buffer.byteLength('{"events":[') + Buffer.byteLength(tail) + Math.max(0, events.length - 1);
    for (const event of events) length += Buffer.byteLength(event.json);
    return sendPaced(
      res,
      { "content-type": "application/json; charset=utf-8", "content-length": length },
      eventsPageParts(events, tail),
      this.#ctx.streamStallTimeoutMs,
    );
  }

  #stream(r: RouteRequest, runId: string): void {
    const offset = streamOffset(r.req, r.query);
    if (r.method === "HEAD") {
      r.res.writeHead(200, EVENT_STREAM_HEADERS);
      r.res.end();
      return;
    }
    const { store, streams } = this.#ctx;
    let unsubscribe: (() => void) | undefined;
    const stream = new EventStream(
      r.res,
      { eventsFrom: (from, limit) => store.eventsFrom(runId, from, limit), isTerminal: () => store.isTerminal(runId) },
      offset,
      {
        keepAliveMs: this.#ctx.keepAliveIntervalMs,
        stallTimeoutMs: this.#ctx.streamStallTimeoutMs,
        logger: this.#ctx.logger,
        onEnd: () => {
          unsubscribe?.();
          streams.delete(stream);
        },
      },
    );
    streams.add(stream);
    // Past events, then live ones: the stream pulls from the store by offset, so whatever is stored between the
    // two steps is neither missed nor sent twice.
    stream.pump();
    if (!stream.ended) unsubscribe = store.subscribe(runId, () => stream.pump());
  }

  async #createRun(req: IncomingMessage, res: ServerResponse, structureId: string): Promise<void> {
    const raw = await this.#readJson(req, res, { emptyIs: {} });
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new ApiError(400, "invalid_body", 'expected a JSON object like {"args": [], "env_vars": []}', {
        issues: [{ path: [], message: "expected object" }],
      });
    }
    const body = validate(CreateRunBodySchema, raw);
    const envVars: Record<string, string> = Array.isArray(body.env_vars)
      ? Object.fromEntries(body.env_vars.map((v) => [v.name, v.value]))
      : body.env_vars;
    const run = this.#ctx.store.createRun({ structureId, args: body.args, envVars });
    this.#ctx.runCreated(run);
    res.setHeader("location", `/api/structure-runs/${run.structure_run_id}`);
    sendJson(res, 201, this.#ctx.store.resource(run.structure_run_id));
  }

  async #readJson(req: IncomingMessage, res: ServerResponse, options: { emptyIs?: unknown } = {}): Promise<unknown> {
    const bytes = await readBody(req, res, {
      maxBytes: this.#ctx.maxBodyBytes,
      budget: this.#ctx.bodyBudget,
      timeoutMs: this.#ctx.bodyTimeoutMs,
    });
    if (exceedsJsonDepth(bytes, MAX_JSON_DEPTH)) {
      throw new ApiError(
        400,
        "invalid_body",
        `the request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
        {
          issues: [{ path: [], message: `nesting deeper than ${MAX_JSON_DEPTH} levels` }],
        },
      );
    }
    const text = bytes.toString("utf8");
    if (text.trim() === "" && "emptyIs" in options) return options.emptyIs;
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new ApiError(400, "invalid_json", "the request body is not valid JSON", {
        issues: [{ path: [], message }],
      });
    }
  }

  #fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    const apiError =
      err instanceof ApiError ? err : new ApiError(500, "internal_error", "the emulator failed on this request");
    if (!(err instanceof ApiError)) this.#ctx.logger.error({ err, method: req.method, url: req.url }, "request failed");
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(apiError.headers)) res.setHeader(name, value);
    // The body was not read to its end (refused early): answer, then close rather than read what is left.
    if (!req.complete) res.setHeader("connection", "close");
    sendJson(res, apiError.status, apiError.toBody());
  }
}

function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ApiError(400, "invalid_body", "the request body does not match the expected shape", {
      issues: zodIssues(parsed.error),
    });
  }
  return parsed.data;
}

function decode(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? "");
  } catch {
    throw new ApiError(404, "not_found", "malformed id in the path");
  }
}

/** `?offset=N`, else resume after the `Last-Event-ID` an EventSource sends on reconnect, else 0. */
function streamOffset(req: IncomingMessage, query: URLSearchParams): number {
  if (query.has("offset")) return intParam(query, "offset", 0);
  const lastId = req.headers["last-event-id"];
  if (typeof lastId === "string" && /^\d{1,15}$/.test(lastId)) return Number(lastId) + 1;
  return 0;
}

function* eventsPageParts(events: readonly { json: string }[], tail: string): Generator<string> {
  yield '{"events":[';
  // The stored strings as they are: a "," joined to each would be a new string per event, flattened when written
  // (on Node 24, 80 readers of a 2 MiB page left ~50 MiB of such garbage behind).
  for (let i = 0; i < events.length; i++) {
    if (i > 0) yield ",";
    yield (events[i] as { json: string }).json;
  }
  yield tail;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(json),
  });
  res.end(json);
}
