import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { boundDelay } from "../delays.js";
import { ConfigError, EmulatorStateError } from "../errors.js";
import { printable } from "../events/printable.js";
import type { EventDetail, SystemEventDetail, SystemEventType } from "../events/wire-schemas.js";
import type { Logger } from "../logger.js";
import { keyDigest } from "./api-keys.js";
import { BodyBudget } from "./body-budget.js";
import { type EventsApiEmulatorOptions, resolveEmulatorOptions } from "./events-api-emulator-options.js";
import { EventsApiRouter } from "./events-api-router.js";
import { NdjsonEventLog } from "./ndjson-event-log.js";
import { type RefusalCounts, RefusedPosts } from "./refused-posts.js";
import { RunStore } from "./run-store.js";
import type { EventStream } from "./sse.js";
import type { CreateRunOptions, StructureRun } from "./structure-run.js";
import type { SystemEventPayload } from "./system-events.js";
import { WebFront } from "./web-front.js";

/** How long close() lets open event streams flush their end before it destroys every socket. */
const STREAM_END_GRACE_MS = 100;

/** Each emulator's refused event POSTs; kept off the class, so they are not public API (the CLI reads them). */
const REFUSED_POSTS = new WeakMap<EventsApiEmulator, RefusedPosts>();

/**
 * The event POSTs `emulator` refused (wrong key, wrong run id, bad body…), by reason: in total, or those whose path
 * named `runId`. Internal: `run`'s summary uses them; not exported by the package.
 */
export function refusedEventPosts(emulator: EventsApiEmulator, runId?: string): RefusalCounts {
  const refused = REFUSED_POSTS.get(emulator);
  if (refused === undefined) return new Map();
  return runId === undefined ? refused.total() : refused.forRun(runId);
}

/**
 * An emulator of the Griptape Cloud Events API (see docs/wire-format.md, docs/local-runtime.md) on a real HTTP
 * server, loopback by default.
 * Runs and events live in memory; `eventsFile` also appends each stored event as an NDJSON line.
 * SYSTEM events are recorded in-process by whoever runs the structure (`recordSystemEvent`); USER events arrive
 * over HTTP from the structure's driver, checked like the real API checks them.
 */
export class EventsApiEmulator {
  /** The master key: reads any run, creates runs, may post to any run. */
  readonly apiKey: string;
  /** Called when a run is created over HTTP (`POST /api/structures/{id}/runs`), e.g. to start its process. */
  onRunCreated: ((run: StructureRun) => void | Promise<void>) | undefined;
  /** Called after each event is stored, SYSTEM and USER alike, in storage order, with the EventDetail as stored. */
  onEvent: ((event: EventDetail) => void) | undefined;

  readonly #options: ReturnType<typeof resolveEmulatorOptions>;
  readonly #logger: Logger;
  readonly #store: RunStore;
  readonly #streams = new Set<EventStream>();
  /** The Host guard and the web view (web-front.ts), in front of the router. */
  readonly #web: WebFront;
  #server: Server | undefined;
  #eventLog: NdjsonEventLog | undefined;
  #url: string | undefined;
  #started: Promise<void> | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: EventsApiEmulatorOptions = {}) {
    this.#options = resolveEmulatorOptions(options);
    this.#logger = this.#options.logger;
    this.apiKey = this.#options.apiKey;
    this.#store = new RunStore({ onStored: (event) => this.#notify(event.detail) });
    this.#web = new WebFront(this.#logger);
    REFUSED_POSTS.set(this, new RefusedPosts());
  }

  /**
   * Where a client on this machine reaches the emulator once started: `http://127.0.0.1:PORT` by default, the
   * bound address otherwise, except for the wildcard addresses, which are not addresses to connect to: bound to
   * `0.0.0.0` (`::`), it is the loopback address of that family, `http://127.0.0.1:PORT` (`http://[::1]:PORT`), which
   * a structure's driver accepts over plain http. Throws `EmulatorStateError` before `start()` has resolved.
   */
  get url(): string {
    if (this.#url === undefined) throw new EmulatorStateError("the emulator is not listening: await start() first");
    return this.#url;
  }

  /**
   * Opens the events file (if any) and listens. Resolves when listening; idempotent; rejects after `close()`.
   * Rejects with a `ConfigError` naming `port` or `host` when it cannot listen (the port is in use, needs
   * privileges, the address is not this machine's) and naming `eventsFile` when the file cannot be opened.
   */
  start(): Promise<void> {
    if (this.#closed !== undefined) {
      return Promise.reject(new EmulatorStateError("the emulator was closed; create a new one"));
    }
    this.#started ??= this.#listen();
    return this.#started;
  }

  /**
   * A link to the web view of this emulator's runs with a fresh one-time token (each call mints one); with
   * `runId`, the link opens that run. Undefined when bound to a non-loopback address: the page is only served on
   * loopback. Throws `EmulatorStateError` before `start()` has resolved.
   */
  webViewUrl(runId?: string): string | undefined {
    return this.#web.link(this.url, runId);
  }

  /** Creates a run in-process (status QUEUED) with its own key. Nothing is started: the caller runs the structure. */
  createRun(options: CreateRunOptions = {}): StructureRun {
    return this.#store.createRun(options);
  }

  /**
   * Stores a SYSTEM event of the run's lifecycle and moves its status to the payload's `status`.
   * A terminal event (StructureRunCompleted, StructureRunError) ends the run's event streams once written.
   * Throws `UnknownRunError`, `InvalidEventError` (payload does not match the wire schema) or `RunStateError`
   * (the status would not move forward). Use `formatSystemTime()` for `started_at` / `completed_at`.
   */
  recordSystemEvent<T extends SystemEventType>(
    runId: string,
    type: T,
    payload: SystemEventPayload<T>,
  ): Extract<SystemEventDetail, { type: T }> {
    return this.#store.appendSystemEvent(runId, type, payload) as Extract<SystemEventDetail, { type: T }>;
  }

  /** A snapshot of the run (key and env var values included), or undefined for an unknown id. */
  getRun(runId: string): StructureRun | undefined {
    return this.#store.getRun(runId);
  }

  /** The run's events as stored, in order. Throws `UnknownRunError`. Treat them as read-only. */
  events(runId: string): EventDetail[] {
    return this.#store.events(runId);
  }

  /**
   * Ends open event streams, closes the server and every connection (keep-alive and in-flight ones too), then
   * flushes and closes the events file. Idempotent; never rejects.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #listen(): Promise<void> {
    const { host, port, eventsFile } = this.#options;
    if (eventsFile !== undefined) {
      this.#eventLog = await NdjsonEventLog.open(eventsFile, this.#logger, this.#options.streamStallTimeoutMs);
      this.#store.eventLog = this.#eventLog;
    }
    const o = this.#options;
    const router = new EventsApiRouter({
      store: this.#store,
      masterKeyDigest: keyDigest(this.apiKey),
      maxBodyBytes: o.maxBodyBytes,
      bodyBudget: new BodyBudget(o.maxPendingBodyBytes),
      bodyTimeoutMs: o.bodyTimeoutMs,
      keepAliveIntervalMs: o.keepAliveIntervalMs,
      streamStallTimeoutMs: o.streamStallTimeoutMs,
      logger: this.#logger,
      streams: this.#streams,
      refusedPosts: REFUSED_POSTS.get(this) as RefusedPosts,
      runCreated: (run) => this.#runCreated(run),
      webSession: (req) => this.#web.allowsRead(req),
    });
    const server = createServer(
      {
        // Node answers 408 and closes a connection whose headers are late. The body has its own deadline (a JSON
        // 408 from readBody); requestTimeout only backs it up. Node checks these deadlines every
        // connectionsCheckingInterval (30 s by default, far too coarse for a 10 s deadline).
        headersTimeout: o.headersTimeoutMs,
        requestTimeout: boundDelay(o.headersTimeoutMs + o.bodyTimeoutMs + 5_000),
        connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(o.headersTimeoutMs / 4))),
      },
      (req, res) => {
        if (this.#web.intercept(req, res)) return;
        void router.handle(req, res);
      },
    );
    this.#server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve();
        });
      });
    } catch (err) {
      this.#server = undefined;
      await this.#eventLog?.close();
      throw listenError(err, host, port);
    }
    server.on("error", (err) => this.#logger.error({ err }, "events API emulator server error"));
    const address = server.address() as AddressInfo;
    this.#web.listening(address.address, address.port);
    this.#url = `http://${connectableHost(address)}:${address.port}`;
    this.#logger.info({ url: this.#url }, "events API emulator listening");
  }

  async #shutdown(): Promise<void> {
    // A start() under way finishes first, so there is a server to close and no listen happens after close.
    await this.#started?.catch(() => undefined);
    const server = this.#server;
    if (server !== undefined) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Streams end cleanly (their clients see the end, not a reset) if that takes no longer than a moment;
      // then every socket goes, as SSE and keep-alive sockets would hold server.close() open indefinitely.
      const ended = Promise.all([...this.#streams].map((stream) => stream.end()));
      await settleWithin(ended, STREAM_END_GRACE_MS);
      server.closeAllConnections();
      await closed;
    }
    this.#url = undefined;
    await this.#eventLog?.close();
  }

  #runCreated(run: StructureRun): void {
    const hook = this.onRunCreated;
    if (hook === undefined) return;
    try {
      const result = hook(run);
      if (result instanceof Promise) {
        result.catch((err: unknown) =>
          this.#logger.error({ err, runId: run.structure_run_id }, "onRunCreated hook rejected"),
        );
      }
    } catch (err) {
      this.#logger.error({ err, runId: run.structure_run_id }, "onRunCreated hook threw");
    }
  }

  #notify(event: EventDetail): void {
    const hook = this.onEvent;
    if (hook === undefined) return;
    try {
      hook(event);
    } catch (err) {
      this.#logger.error({ err, eventId: event.event_id }, "onEvent hook threw");
    }
  }
}

/** The host part of a URL that reaches the bound address from this machine: a wildcard is no address to reach. */
function connectableHost(address: AddressInfo): string {
  if (address.address === "0.0.0.0") return "127.0.0.1";
  if (address.address === "::") return "[::1]";
  return address.family === "IPv6" ? `[${address.address}]` : address.address;
}

/** Why the server could not listen, in words, as a `ConfigError` naming the setting to change. */
function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  // The host comes from a command line: no control character of it reaches a terminal.
  const shown = printable(host);
  const where = `${shown.includes(":") ? `[${shown}]` : shown}:${port}`;
  switch (code) {
    case "EADDRINUSE":
      return new ConfigError(
        "port",
        `cannot listen on ${where}: the port is in use; choose another (0 picks a free one)`,
      );
    case "EACCES":
    case "EPERM":
      return new ConfigError(
        "port",
        `cannot listen on ${where}: permission denied (ports below 1024 need privileges); choose another port`,
      );
    case "EADDRNOTAVAIL":
      return new ConfigError("host", `cannot listen on ${where}: ${shown} is not an address of this machine`);
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new ConfigError("host", `cannot listen on ${where}: the host name ${shown} does not resolve (${code})`);
    default:
      return err;
  }
}

async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([promise.then(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
