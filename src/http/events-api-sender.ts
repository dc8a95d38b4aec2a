import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import { serverText } from "../redact.js";
import type { BatchSender, SendOutcome, SyncSendResult } from "./batch-sender.js";
import {
  classifyError,
  classifyStatus,
  describeTransportError,
  type ErrorClass,
  errorCode,
  parseRetryAfter,
} from "./retry-policy.js";
import { postSync } from "./sync-post.js";

export interface EventsApiSenderOptions {
  /** Base URL; its own path is kept (`https://x/p` → `https://x/p/api/…`). */
  baseUrl: URL;
  apiKey: string;
  structureRunId: string;
  requestTimeoutMs: number;
  /** Sockets to keep open: one per request allowed in flight. */
  connections: number;
}

/** Longest response body kept for an error message; Cloud's error bodies are short JSON. */
export const MAX_ERROR_BODY_CHARS = 500;

/** Most of a success answer's body read before the connection is closed rather than read on (undici's dump()). */
const MAX_DRAINED_BYTES = 128 * 1024;

type HttpModule = typeof import("node:http");

/**
 * POSTs batches to `{base}/api/structure-runs/{id}/events` over keep-alive sockets of Node's own `http`/`https`.
 * Node's client rather than undici's: loading undici and compiling its WebAssembly parser cost a structure more
 * CPU and memory at start-up than everything else it loads (bench/cold-start.bench.ts), and a structure makes a
 * few requests a second at most. `https` (and TLS) is loaded only for an https base URL.
 */
export class EventsApiSender implements BatchSender {
  readonly #http: HttpModule;
  readonly #agent: Agent;
  readonly #target: RequestOptions;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #apiKey: string;
  readonly #origin: string;
  readonly #url: string;
  readonly #inFlight = new Set<Promise<SendOutcome>>();

  constructor(options: EventsApiSenderOptions) {
    const { baseUrl } = options;
    // Synchronous and cached by Node: the module a protocol needs, and nothing of the other one.
    this.#http = process.getBuiltinModule(baseUrl.protocol === "https:" ? "node:https" : "node:http") as HttpModule;
    // Idle sockets are unref'd by the agent: a kept-alive connection never keeps a finished process alive.
    this.#agent = new this.#http.Agent({ keepAlive: true, maxSockets: options.connections });
    const prefix = baseUrl.pathname.replace(/\/+$/, "");
    // The run id comes from the environment: encoded, it can never change the route.
    const path = `${prefix}/api/structure-runs/${encodeURIComponent(options.structureRunId)}/events`;
    this.#target = {
      protocol: baseUrl.protocol,
      // The parser keeps IPv6 literals bracketed; a socket wants the bare address.
      hostname: baseUrl.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: baseUrl.port,
      path,
      method: "POST",
      agent: this.#agent,
    };
    this.#headers = {
      authorization: `Bearer ${options.apiKey}`,
      "content-type": "application/json",
    };
    this.#timeoutMs = options.requestTimeoutMs;
    this.#apiKey = options.apiKey;
    this.#origin = baseUrl.origin;
    this.#url = baseUrl.origin + path;
  }

  send(body: string, signal: AbortSignal): Promise<SendOutcome> {
    if (signal.aborted) return Promise.resolve({ kind: "retry", reason: "aborted by shutdown", transport: "aborted" });
    const sent = this.#post(body, signal);
    this.#inFlight.add(sent);
    void sent.finally(() => this.#inFlight.delete(sent));
    return sent;
  }

  #post(body: string, signal: AbortSignal): Promise<SendOutcome> {
    return new Promise<SendOutcome>((resolve) => {
      let request: ClientRequest | undefined;
      let settled = false;
      const finish = (outcome: SendOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener("abort", onShutdown);
        resolve(outcome);
      };
      // One deadline for the whole request: connect, headers and a body however slowly it trickles.
      const timer = setTimeout(() => {
        finish({ kind: "retry", reason: `no response within ${this.#timeoutMs} ms`, transport: "timeout" });
        request?.destroy();
      }, this.#timeoutMs).unref();
      const onShutdown = (): void => {
        finish({ kind: "retry", reason: "aborted by shutdown", transport: "aborted" });
        request?.destroy();
      };
      signal.addEventListener("abort", onShutdown, { once: true });
      try {
        request = this.#http.request(
          {
            ...this.#target,
            headers: { ...this.#headers, "content-length": Buffer.byteLength(body) },
          },
          (response) => this.#answer(response, finish),
        );
      } catch (error) {
        // Thrown before anything left: a header value Node refuses (ERR_INVALID_CHAR), a bad argument.
        finish(this.#failure(error));
        return;
      }
      request.on("error", (error) => finish(this.#failure(error)));
      request.end(body);
    });
  }

  /** Classifies an answer, reading of its body only what is kept. */
  #answer(response: IncomingMessage, finish: (outcome: SendOutcome) => void): void {
    const status = response.statusCode ?? 0;
    const kind = classifyStatus(status);
    if (kind === "ok") {
      // Acknowledged, whatever becomes of the body: it is drained so that the socket can serve the next request,
      // or, when it is larger than any acknowledgement needs to be, the connection is closed instead.
      let drained = 0;
      response.on("data", (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > MAX_DRAINED_BYTES) response.destroy();
      });
      response.on("error", () => {});
      response.on("close", () => finish({ kind, status }));
      response.on("end", () => finish({ kind, status }));
      return;
    }
    // At most what an error message keeps: a 300 MB error body must not be held to keep 500 characters of it.
    // Enough bytes for 500 characters of UTF-8 plus the key's length, so that a key the server echoes anywhere in
    // the kept part is whole when redacted; then the connection is closed.
    const limit = MAX_ERROR_BODY_CHARS * 4 + Buffer.byteLength(this.#apiKey);
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      const text = Buffer.concat(chunks, Math.min(size, limit)).toString("utf8");
      // A server that echoes the request must not make the key reach a log through an error message.
      const message = serverText(text, this.#apiKey, MAX_ERROR_BODY_CHARS);
      if (kind === "retry") {
        const retryAfterMs = parseRetryAfter(response.headers["retry-after"]);
        finish({
          kind,
          status,
          reason: `HTTP ${status}`,
          transport: "http",
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        });
      } else if (kind === "too_large") finish({ kind, status });
      else finish({ kind, status, message });
    };
    response.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) {
        done();
        response.destroy();
      }
    });
    // A body that broke off: what arrived is still worth quoting.
    response.on("error", () => {});
    response.on("close", done);
    response.on("end", done);
  }

  #failure(error: unknown): SendOutcome {
    const errorClass = classifyError(error);
    const reason = this.#describe(error, errorClass);
    if (errorClass === "invalid_request") return { kind: "invalid_request", reason };
    return { kind: "retry", reason, transport: errorClass };
  }

  sendSync(bodies: readonly string[], timeoutMs: number): SyncSendResult {
    return postSync({ url: this.#url, headers: this.#headers }, bodies, timeoutMs);
  }

  async close(force: boolean): Promise<void> {
    // Closing gracefully lets what is in flight finish first (the driver bounds how long it waits for that).
    if (!force) await Promise.allSettled(this.#inFlight);
    this.#agent.destroy();
  }

  #describe(error: unknown, errorClass: ErrorClass): string {
    const code = errorCode(error);
    let message = "";
    try {
      message = error instanceof Error ? error.message : "";
    } catch {
      // A hostile value from a transport: its code is enough.
    }
    const text = describeTransportError(code, message, errorClass);
    const described = errorClass === "connect" ? `cannot connect to ${this.#origin} (${text})` : text;
    return serverText(described, this.#apiKey, MAX_ERROR_BODY_CHARS);
  }
}
