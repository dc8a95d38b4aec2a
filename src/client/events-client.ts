import { StringDecoder } from "node:string_decoder";
import { setTimeout as sleep } from "node:timers/promises";
import { type Dispatcher, request } from "undici";
import * as z from "zod";
import { checkApiKey, checkBaseUrl, delaySetting } from "../config.js";
import { ConfigError, EventsApiError } from "../errors.js";
import { type EventDetail, EventDetailSchema, type EventsPage, EventsPageSchema } from "../events/wire-schemas.js";
import { serverText } from "../redact.js";
import { type ApiErrorBody, ApiErrorBodySchema } from "../runtime/api-error.js";
import { MAX_JSON_DEPTH } from "../runtime/events-api-emulator-options.js";
import { exceedsJsonDepth } from "../runtime/json-depth.js";
import { isTerminalEvent } from "../web/terminal-event.js";
import { EventDeduplicator } from "./event-deduplicator.js";
import { SseLimitError, SseParser } from "./sse-parser.js";

/**
 * Defaults of `EventsClient`, in one place (the README's table mirrors it).
 * - `requestTimeoutMs` 30 s: one deadline per request for headers and the whole body, however slowly a server
 *   trickles it (undici's own timeouts are per chunk).
 * - `maxResponseBytes` 64 MiB: a JSON answer (a page of up to 1000 events, a run) is read at most this far; a
 *   larger or never-ending one is refused rather than held.
 * - `maxEventBytes` 32 MiB: one event on the stream; a line that never ends is refused once past it.
 * - `streamIdleTimeoutMs` 60 s: an open stream that sends nothing, not even a `: ping` (the emulator pings every
 *   15 s), is reconnected from its last offset.
 * - `allowInsecureHttp` false: the key travels in a header, so plain http is for loopback only, as for the Cloud
 *   driver.
 */
export const EVENTS_CLIENT_DEFAULTS = {
  requestTimeoutMs: 30_000,
  maxResponseBytes: 64 * 1024 * 1024,
  maxEventBytes: 32 * 1024 * 1024,
  streamIdleTimeoutMs: 60_000,
  allowInsecureHttp: false,
} as const;

/**
 * Defaults of `streamEvents`.
 * - `pollIntervalMs` 1 s: between two polls of the list route that brought nothing new.
 * - `maxReconnects` 5: stream connections in a row without a new event before falling back to polling. Attempts
 *   that get no answer (no connection, a reset, a timeout, a 5xx) also count in a row, across both routes: a
 *   failed poll with more than `maxReconnects` of them behind it gives up with its `EventsApiError`. An unreachable
 *   server thus gets 6 stream attempts and 1 poll, the waits between them doubling from 200 ms to 2 s: about 5 s.
 */
export const STREAM_EVENTS_DEFAULTS = {
  pollIntervalMs: 1_000,
  maxReconnects: 5,
} as const;

/** First and largest wait between two attempts of `streamEvents`; it doubles after each failure. */
const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 2_000;

export interface EventsClientOptions {
  /**
   * Events API base URL (http or https); its own path is kept. Checked as the Cloud driver checks it: no
   * credentials, and plain http only to a loopback host unless `allowInsecureHttp`.
   */
  baseUrl: string;
  /** Bearer key: visible ASCII, as a header carries it. Never in an error message. */
  apiKey: string;
  /** Per request (not per stream), headers and whole body. Default 30 000. */
  requestTimeoutMs?: number;
  /** Largest JSON answer read. Default 64 MiB. */
  maxResponseBytes?: number;
  /** Largest event on a stream. Default 32 MiB. */
  maxEventBytes?: number;
  /** An open stream silent for this long is reconnected. Default 60 000. */
  streamIdleTimeoutMs?: number;
  /** Allow plain http to a host that is not loopback (the key then travels unencrypted). Default false. */
  allowInsecureHttp?: boolean;
}

export interface StreamEventsOptions {
  /** First event to get. Default 0. */
  offset?: number;
  signal?: AbortSignal;
  /** Polling period once the stream route is unusable. Default 1 000. */
  pollIntervalMs?: number;
  /**
   * Reconnections in a row without a new event before falling back to polling; a failed poll with more than this
   * many attempts without an answer behind it (both routes, in a row) throws its `EventsApiError`. Default 5.
   */
  maxReconnects?: number;
  /**
   * Skip a USER event whose `payload.id` was already yielded (delivery is at least once, so a retried batch is
   * stored twice, each copy with its own `event_id`). Default true; false yields every stored event.
   */
  deduplicate?: boolean;
}

const CreatedRunSchema = z.looseObject({ structure_run_id: z.string().min(1) });
export type CreatedRun = z.infer<typeof CreatedRunSchema>;

const delay = () => delaySetting(1).optional();
const OptionsSchema = z.object({
  // Checked by checkBaseUrl below, as the Cloud driver checks it; never echoed (it may hold credentials).
  baseUrl: z.string(),
  // Checked by checkApiKey below, which never echoes it.
  apiKey: z.string(),
  requestTimeoutMs: delay(),
  maxResponseBytes: z.int().min(1).optional(),
  maxEventBytes: z.int().min(1).optional(),
  streamIdleTimeoutMs: delay(),
  allowInsecureHttp: z.boolean().optional(),
});

const StreamOptionsSchema = z.object({
  offset: z.int().min(0).optional(),
  pollIntervalMs: delaySetting(1).optional(),
  maxReconnects: z.int().min(0).max(1_000).optional(),
});

/** An error body is cut to this in messages; no more of it is read. */
const ERROR_BODY_CHARS = 300;
const ERROR_BODY_BYTES = 4 * 1024;
/** An error code longer than this is not one of the API's short tokens: cut. */
const ERROR_CODE_CHARS = 60;

/** The server has no usable stream route (404, 405, or a 2xx that is not an event stream): poll instead. */
class NoStreamRoute extends Error {}

/** Reads a run's events from any Events API (Griptape Cloud or the local emulator), and creates runs. */
export class EventsClient {
  readonly #base: URL;
  readonly #prefix: string;
  readonly #headers: Record<string, string>;
  readonly #options: Required<Omit<EventsClientOptions, "baseUrl" | "apiKey" | "allowInsecureHttp">>;
  readonly #apiKey: string;

  /**
   * Throws `ConfigError` for a base URL that is not http(s), carries credentials or is plain http to a host that is
   * not loopback (without `allowInsecureHttp`), or a key a header cannot carry (never echoing it).
   */
  constructor(options: EventsClientOptions) {
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const name = String(issue?.path[0] ?? "options");
      throw new ConfigError(name, `option ${name} is invalid: ${issue?.message ?? "unknown problem"}`);
    }
    const o = parsed.data;
    checkApiKey(o.apiKey, "apiKey");
    this.#base = checkBaseUrl(o.baseUrl, {
      source: "baseUrl",
      apiKey: o.apiKey,
      allowInsecureHttp: o.allowInsecureHttp ?? EVENTS_CLIENT_DEFAULTS.allowInsecureHttp,
    });
    this.#prefix = this.#base.pathname.replace(/\/+$/, "");
    this.#apiKey = o.apiKey;
    this.#headers = { authorization: `Bearer ${o.apiKey}`, accept: "application/json" };
    const d = EVENTS_CLIENT_DEFAULTS;
    this.#options = {
      requestTimeoutMs: o.requestTimeoutMs ?? d.requestTimeoutMs,
      maxResponseBytes: o.maxResponseBytes ?? d.maxResponseBytes,
      maxEventBytes: o.maxEventBytes ?? d.maxEventBytes,
      streamIdleTimeoutMs: o.streamIdleTimeoutMs ?? d.streamIdleTimeoutMs,
    };
  }

  async listEvents(runId: string, page: { offset?: number; limit?: number } = {}): Promise<EventsPage> {
    return this.#list(runId, page.offset ?? 0, page.limit ?? 100, undefined);
  }

  async #list(runId: string, offset: number, limit: number, signal: AbortSignal | undefined): Promise<EventsPage> {
    const query = new URLSearchParams({ offset: String(offset), limit: String(limit) });
    const body = await this.#json("GET", `${this.#runPath(runId)}/events?${query}`, undefined, signal);
    return this.#check(EventsPageSchema, body, "an events page");
  }

  async getRun(runId: string): Promise<Record<string, unknown>> {
    return this.#check(z.record(z.string(), z.unknown()), await this.#json("GET", this.#runPath(runId)), "a run");
  }

  async createRun(
    structureId: string,
    input: { args?: string[]; envVars?: Record<string, string> } = {},
  ): Promise<CreatedRun> {
    const body = {
      args: input.args ?? [],
      env_vars: Object.entries(input.envVars ?? {}).map(([name, value]) => ({ name, value })),
    };
    const path = `${this.#prefix}/api/structures/${encodeURIComponent(structureId)}/runs`;
    return this.#check(CreatedRunSchema, await this.#json("POST", path, body), "a created run");
  }

  /**
   * Every event of a run from `offset`, as it happens, until the run's terminal SYSTEM event. Uses the SSE
   * stream, reconnecting from the last offset seen (also when the stream goes silent); falls back to polling the
   * list route when the stream route is missing or keeps failing. Skips duplicates by `payload.id` unless
   * `deduplicate` is false. A server that gives no answer (`maxReconnects + 1` stream attempts, then a poll, for
   * one that never answers) ends it with that `EventsApiError` (`status` 0 when no answer came at all).
   *
   * While the caller awaits the next event, the waits between attempts and between polls keep the process alive
   * (they are bounded): a loop over this iterator is work in progress, and must not let Node exit in its middle.
   */
  async *streamEvents(runId: string, options: StreamEventsOptions = {}): AsyncGenerator<EventDetail> {
    const parsed = StreamOptionsSchema.safeParse({
      offset: options.offset,
      pollIntervalMs: options.pollIntervalMs,
      maxReconnects: options.maxReconnects,
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const name = String(issue?.path[0] ?? "options");
      throw new ConfigError(name, `option ${name} is invalid: ${issue?.message ?? "unknown problem"}`);
    }
    const d = STREAM_EVENTS_DEFAULTS;
    const signal = options.signal;
    const maxReconnects = parsed.data.maxReconnects ?? d.maxReconnects;
    const pollIntervalMs = parsed.data.pollIntervalMs ?? d.pollIntervalMs;
    const dedupe = options.deduplicate === false ? undefined : new EventDeduplicator();
    const unanswered = new UnansweredAttempts(maxReconnects);
    let offset = parsed.data.offset ?? 0;
    // Connections in a row that brought no new event: past maxReconnects, the stream route is given up for polling.
    let fruitless = 0;
    while (fruitless <= maxReconnects) {
      signal?.throwIfAborted();
      let progressed = false;
      try {
        for await (const event of this.#sse(runId, offset, signal, () => unanswered.answered())) {
          offset++;
          progressed = true;
          if (dedupe?.isDuplicate(event) !== true) yield event;
          if (isTerminalEvent(event)) return;
        }
      } catch (error) {
        if (signal?.aborted) throw error;
        if (error instanceof NoStreamRoute) break;
        // Other 4xx (a bad key, an unknown run) will not heal, nor will a server that sends what no event is.
        if (error instanceof EventsApiError && error.status < 500 && error.status !== 0) throw error;
        // No answer at all: the list route is tried once before giving up, in case only streams are blocked.
        if (isUnanswered(error)) unanswered.failed();
      }
      fruitless = progressed ? 0 : fruitless + 1;
      if (fruitless > maxReconnects) break;
      await wait(retryDelay(fruitless), signal);
    }
    for await (const event of this.#poll(runId, offset, { signal, pollIntervalMs, unanswered })) {
      if (dedupe?.isDuplicate(event) !== true) yield event;
    }
  }

  async *#poll(
    runId: string,
    from: number,
    {
      signal,
      pollIntervalMs,
      unanswered,
    }: { signal?: AbortSignal; pollIntervalMs: number; unanswered: UnansweredAttempts },
  ): AsyncGenerator<EventDetail> {
    let offset = from;
    for (;;) {
      signal?.throwIfAborted();
      let page: EventsPage;
      try {
        page = await this.#list(runId, offset, 100, signal);
        unanswered.answered();
      } catch (error) {
        // No answer or a 5xx may heal: retried with backoff, `maxReconnects` times in a row at most.
        if (signal?.aborted || !isUnanswered(error)) throw error;
        unanswered.failed();
        if (unanswered.exhausted) throw unanswered.giveUp(error);
        await wait(retryDelay(unanswered.count), signal);
        continue;
      }
      for (const event of page.events) {
        offset++;
        yield event;
        if (isTerminalEvent(event)) return;
      }
      // The events received, not the page's `count`: a server whose count disagrees must not make this spin.
      if (page.events.length === 0) await wait(pollIntervalMs, signal);
    }
  }

  /** One stream connection from `offset`; `opened` is called once the server has answered with an event stream. */
  async *#sse(
    runId: string,
    offset: number,
    signal: AbortSignal | undefined,
    opened: () => void,
  ): AsyncGenerator<EventDetail> {
    // This connection's own abort: the caller's signal, the headers deadline, or silence past the idle timeout.
    const connection = new AbortController();
    const onAbort = (): void => connection.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    let idle: NodeJS.Timeout | undefined;
    const armIdle = (ms: number, why: string): void => {
      clearTimeout(idle);
      idle = setTimeout(() => connection.abort(new Error(why)), ms);
      idle.unref();
    };
    try {
      armIdle(this.#options.requestTimeoutMs, "the stream's headers did not arrive in time");
      const response = await request(new URL(`${this.#runPath(runId)}/events/stream?offset=${offset}`, this.#base), {
        method: "GET",
        headers: { ...this.#headers, accept: "text/event-stream" },
        signal: connection.signal,
        // A quiet run may send nothing but pings for minutes: the idle timer bounds silence instead.
        bodyTimeout: 0,
      });
      if (response.statusCode === 404 || response.statusCode === 405) {
        response.body.destroy();
        throw new NoStreamRoute();
      }
      if (response.statusCode >= 300) {
        throw new EventsApiError(response.statusCode, await this.#describe(response));
      }
      if (!String(response.headers["content-type"] ?? "").startsWith("text/event-stream")) {
        response.body.destroy();
        throw new NoStreamRoute();
      }
      opened();
      const idleMs = this.#options.streamIdleTimeoutMs;
      const parser = new SseParser({ maxEventChars: this.#options.maxEventBytes });
      // undici's body yields Buffers whatever setEncoding says; a character split across two chunks is joined here.
      const decoder = new StringDecoder("utf8");
      armIdle(idleMs, `the stream sent nothing for ${idleMs} ms`);
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        armIdle(idleMs, `the stream sent nothing for ${idleMs} ms`);
        let messages: ReturnType<SseParser["push"]>;
        try {
          messages = parser.push(decoder.write(chunk));
        } catch (error) {
          if (error instanceof SseLimitError) throw new EventsApiError(response.statusCode, error.message);
          throw error;
        }
        for (const message of messages) {
          // Stop reading while the consumer works: undici's own buffer, not ours, holds what arrives meanwhile.
          clearTimeout(idle);
          yield this.#parseEvent(message.data, response.statusCode);
          armIdle(idleMs, `the stream sent nothing for ${idleMs} ms`);
        }
      }
    } finally {
      clearTimeout(idle);
      signal?.removeEventListener("abort", onAbort);
      connection.abort();
    }
  }

  #parseEvent(data: string, status: number): EventDetail {
    if (exceedsJsonDepth(Buffer.from(data), MAX_JSON_DEPTH)) {
      throw new EventsApiError(status, `an event on the stream nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      throw new EventsApiError(status, "an event on the stream is not JSON");
    }
    return this.#check(EventDetailSchema, value, "an EventDetail", status);
  }

  async #json(method: "GET" | "POST", path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    const timeoutMs = this.#options.requestTimeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    let response: Dispatcher.ResponseData;
    let bytes: Buffer | undefined;
    try {
      response = await request(new URL(path, this.#base), {
        method,
        signal: signal === undefined ? deadline : AbortSignal.any([signal, deadline]),
        headers: body === undefined ? this.#headers : { ...this.#headers, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (response.statusCode >= 300) throw new EventsApiError(response.statusCode, await this.#describe(response));
      bytes = await readAtMost(response.body, this.#options.maxResponseBytes);
    } catch (error) {
      if (error instanceof EventsApiError || signal?.aborted) throw error;
      // Transport failures, typed; status 0 as no answer came. Never the URL: it may hold credentials.
      const why = deadline.aborted
        ? `did not answer ${method} within ${timeoutMs} ms`
        : `could not be reached (${(error as { code?: string }).code ?? (error as Error).name})`;
      throw new EventsApiError(0, `the Events API ${why}`);
    }
    if (bytes === undefined) {
      throw new EventsApiError(
        response.statusCode,
        `the Events API's answer to ${method} is larger than ${this.#options.maxResponseBytes} bytes`,
      );
    }
    if (bytes.length === 0) return null;
    if (exceedsJsonDepth(bytes, MAX_JSON_DEPTH)) {
      throw new EventsApiError(
        response.statusCode,
        `the Events API's answer nests deeper than ${MAX_JSON_DEPTH} levels`,
      );
    }
    try {
      return JSON.parse(bytes.toString("utf8")) as unknown;
    } catch {
      throw new EventsApiError(
        response.statusCode,
        `the Events API answered ${response.statusCode} with a body that is not JSON`,
      );
    }
  }

  #check<S extends z.ZodType>(schema: S, value: unknown, what: string, status = 200): z.output<S> {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const where = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
      .join("; ");
    throw new EventsApiError(status, `the Events API's answer is not ${what}: ${where}`);
  }

  #runPath(runId: string): string {
    return `${this.#prefix}/api/structure-runs/${encodeURIComponent(runId)}`;
  }

  /**
   * One sentence for an error answer: the Events API's own `{"error": {"code", "message"}}` in words, any other
   * body quoted (its start only: the rest is never read). Whatever the server said is redacted, cut and escaped.
   */
  async #describe(response: Dispatcher.ResponseData): Promise<string> {
    const status = response.statusCode;
    const bytes = await readAtMost(response.body, ERROR_BODY_BYTES, true).catch(() => Buffer.alloc(0));
    const body = (bytes ?? Buffer.alloc(0)).toString("utf8");
    const said = apiErrorBody(body);
    // 403 comes with a key the API knows but that may not read this run: a wrong run id gives it too.
    const hint =
      status === 401
        ? "check the API key"
        : status === 403
          ? "the API key may not access this run: check the run id and the API key"
          : undefined;
    if (said === undefined) {
      const text = serverText(body, this.#apiKey, ERROR_BODY_CHARS);
      return `Events API answered ${status}${hint === undefined ? "" : ` (${hint})`}: ${text}`;
    }
    const code = `error code ${serverText(said.error.code, this.#apiKey, ERROR_CODE_CHARS)}`;
    const issues = (said.error.issues ?? [])
      .slice(0, 3)
      .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
      .join("; ");
    const text = said.error.message.trim() === "" ? "(no message)" : said.error.message;
    const message = serverText(issues === "" ? text : `${text} (${issues})`, this.#apiKey, ERROR_BODY_CHARS);
    return `Events API answered ${status} (${hint === undefined ? code : `${code}; ${hint}`}): ${message}`;
  }
}

/** `body` when it is the Events API's error shape (see src/runtime/api-error.ts), else undefined. */
function apiErrorBody(body: string): ApiErrorBody | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = ApiErrorBodySchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * A response body read to its end if it is at most `max` bytes; undefined (and the body destroyed) past it.
 * `truncate`: return the first `max` bytes instead.
 */
async function readAtMost(
  body: Dispatcher.ResponseData["body"],
  max: number,
  truncate = false,
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (size + chunk.length > max) {
      if (truncate) chunks.push(chunk.subarray(0, max - size));
      body.destroy();
      return truncate ? Buffer.concat(chunks) : undefined;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks, size);
}

/** The wait before attempt `n + 1` after `n` failures in a row: 200 ms, doubling, at most 2 s. */
function retryDelay(failures: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
}

/**
 * A wait that keeps the process alive: `streamEvents` waits only while its caller awaits the next event, and an
 * unref'd timer let Node exit in the middle of a run (exit code 13 under a top-level await, 0 elsewhere) without
 * a word. Every wait is bounded (at most `MAX_RETRY_MS` or the poll interval, a day at most) and ends at an abort.
 */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return sleep(ms, undefined, signal === undefined ? {} : { signal });
}

/** A failure that may heal: no answer at all (a refused or reset connection, a timeout) or a 5xx. */
function isUnanswered(error: unknown): boolean {
  if (error instanceof EventsApiError) return error.status === 0 || error.status >= 500;
  // The stream's own transport failures are undici's errors or an abort of the connection's deadline.
  return !(error instanceof NoStreamRoute);
}

/** Attempts in a row that got no answer, stream and list route alike, and when to give up on the server. */
class UnansweredAttempts {
  readonly #max: number;
  #count = 0;
  #since: number | undefined;

  constructor(maxRetries: number) {
    this.#max = maxRetries;
  }

  get count(): number {
    return this.#count;
  }

  get exhausted(): boolean {
    return this.#count > this.#max;
  }

  answered(): void {
    this.#count = 0;
    this.#since = undefined;
  }

  failed(): void {
    this.#since ??= performance.now();
    this.#count++;
  }

  /** The last failure as an `EventsApiError` that says how long the server was tried. */
  giveUp(last: unknown): EventsApiError {
    const seconds = ((performance.now() - (this.#since ?? performance.now())) / 1000).toFixed(1);
    const [status, message] =
      last instanceof EventsApiError ? [last.status, last.message] : [0, "the Events API gave no answer"];
    return new EventsApiError(
      status,
      `${message}; gave up after ${this.#count} attempts in a row without an answer over ${seconds} s`,
    );
  }
}
