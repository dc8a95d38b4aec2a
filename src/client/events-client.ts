import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import * as z from "zod";
import { StructureRunEventsError } from "../errors.js";
import { type EventDetail, EventDetailSchema, type EventsPage, EventsPageSchema } from "../events/wire-schemas.js";
import { redactSecret } from "../logger.js";
import { SseParser } from "./sse-parser.js";

export interface EventsClientOptions {
  /** Events API base URL; its own path is kept. */
  baseUrl: string;
  /** Bearer key. */
  apiKey: string;
  /** Per request (not per stream). Default 30 000. */
  requestTimeoutMs?: number;
}

export interface StreamEventsOptions {
  /** First event to get. Default 0. */
  offset?: number;
  signal?: AbortSignal;
  /** Polling period once the stream route is unusable. Default 1 000. */
  pollIntervalMs?: number;
  /** Reconnections in a row without a new event before falling back to polling. Default 5. */
  maxReconnects?: number;
}

/** The API answered with an error status. Code `ERR_EVENTS_API`; `status` is the HTTP status. */
export class EventsApiError extends StructureRunEventsError {
  readonly status: number;

  constructor(status: number, message: string) {
    super("ERR_EVENTS_API", message);
    this.status = status;
  }
}

const TERMINAL_TYPES = new Set(["StructureRunCompleted", "StructureRunError"]);

/** Whether this event ends a run: the SSE stream and `tail` stop after it. */
export function isTerminalEvent(event: EventDetail): boolean {
  return event.origin === "SYSTEM" && TERMINAL_TYPES.has(event.type);
}

const CreatedRunSchema = z.looseObject({ structure_run_id: z.string().min(1) });
export type CreatedRun = z.infer<typeof CreatedRunSchema>;

/** Reads a run's events from any Events API (Griptape Cloud or the local emulator), and creates runs. */
export class EventsClient {
  readonly #base: URL;
  readonly #prefix: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #apiKey: string;

  constructor(options: EventsClientOptions) {
    this.#base = new URL(options.baseUrl);
    this.#prefix = this.#base.pathname.replace(/\/+$/, "");
    this.#apiKey = options.apiKey;
    this.#headers = { authorization: `Bearer ${options.apiKey}`, accept: "application/json" };
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  async listEvents(runId: string, page: { offset?: number; limit?: number } = {}): Promise<EventsPage> {
    return this.#list(runId, page.offset ?? 0, page.limit ?? 100, undefined);
  }

  async #list(runId: string, offset: number, limit: number, signal: AbortSignal | undefined): Promise<EventsPage> {
    const query = new URLSearchParams({ offset: String(offset), limit: String(limit) });
    return EventsPageSchema.parse(
      await this.#json("GET", `${this.#runPath(runId)}/events?${query}`, undefined, signal),
    );
  }

  async getRun(runId: string): Promise<Record<string, unknown>> {
    return z.record(z.string(), z.unknown()).parse(await this.#json("GET", this.#runPath(runId)));
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
    return CreatedRunSchema.parse(await this.#json("POST", path, body));
  }

  /**
   * Every event of a run from `offset`, as it happens, until the run's terminal SYSTEM event. Uses the SSE
   * stream, reconnecting from the last offset seen; falls back to polling the list route when the stream route
   * is missing or keeps failing.
   */
  async *streamEvents(runId: string, options: StreamEventsOptions = {}): AsyncGenerator<EventDetail> {
    let offset = options.offset ?? 0;
    const maxReconnects = options.maxReconnects ?? 5;
    let failures = 0;
    while (failures <= maxReconnects) {
      options.signal?.throwIfAborted();
      let progressed = false;
      try {
        for await (const event of this.#sse(runId, offset, options.signal)) {
          offset++;
          progressed = true;
          yield event;
          if (isTerminalEvent(event)) return;
        }
      } catch (error) {
        if (options.signal?.aborted) throw error;
        if (error instanceof EventsApiError) {
          // No stream route on this server: poll instead. Other 4xx (a bad key, an unknown run) will not heal.
          if (error.status === 404 || error.status === 405) break;
          if (error.status < 500) throw error;
        }
      }
      failures = progressed ? 0 : failures + 1;
      await sleep(Math.min(2_000, 100 * 2 ** failures), undefined, { signal: options.signal, ref: false });
    }
    yield* this.#poll(runId, offset, options);
  }

  async *#poll(runId: string, from: number, options: StreamEventsOptions): AsyncGenerator<EventDetail> {
    let offset = from;
    for (;;) {
      options.signal?.throwIfAborted();
      const page = await this.#list(runId, offset, 100, options.signal);
      for (const event of page.events) {
        offset++;
        yield event;
        if (isTerminalEvent(event)) return;
      }
      if (page.count === 0) {
        await sleep(options.pollIntervalMs ?? 1_000, undefined, { signal: options.signal, ref: false });
      }
    }
  }

  async *#sse(runId: string, offset: number, signal: AbortSignal | undefined): AsyncGenerator<EventDetail> {
    const response = await request(new URL(`${this.#runPath(runId)}/events/stream?offset=${offset}`, this.#base), {
      method: "GET",
      headers: { ...this.#headers, accept: "text/event-stream" },
      headersTimeout: this.#timeoutMs,
      // A quiet run may send nothing for minutes; the server's pings and the caller's signal bound the wait.
      bodyTimeout: 0,
      ...(signal === undefined ? {} : { signal }),
    });
    if (response.statusCode >= 300) {
      const text = await response.body.text();
      throw new EventsApiError(response.statusCode, this.#describe(response.statusCode, text));
    }
    const parser = new SseParser();
    response.body.setEncoding("utf8");
    for await (const chunk of response.body as AsyncIterable<string>) {
      for (const message of parser.push(chunk)) {
        yield EventDetailSchema.parse(JSON.parse(message.data));
      }
    }
  }

  async #json(method: "GET" | "POST", path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    const response = await request(new URL(path, this.#base), {
      method,
      ...(signal === undefined ? {} : { signal }),
      headers: body === undefined ? this.#headers : { ...this.#headers, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
    const text = await response.body.text();
    if (response.statusCode >= 300)
      throw new EventsApiError(response.statusCode, this.#describe(response.statusCode, text));
    return text === "" ? null : (JSON.parse(text) as unknown);
  }

  #runPath(runId: string): string {
    return `${this.#prefix}/api/structure-runs/${encodeURIComponent(runId)}`;
  }

  #describe(status: number, text: string): string {
    const hint = status === 401 || status === 403 ? " (check the API key)" : "";
    return `Events API answered ${status}${hint}: ${redactSecret(text, this.#apiKey).slice(0, 300)}`;
  }
}
