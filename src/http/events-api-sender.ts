import { Pool } from "undici";
import { redactSecret } from "../logger.js";
import type { BatchSender, SendOutcome } from "./batch-sender.js";
import { classifyStatus, parseRetryAfter } from "./retry-policy.js";
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
const MAX_ERROR_BODY_CHARS = 500;

/** POSTs batches to `{base}/api/structure-runs/{id}/events` over a keep-alive undici pool. */
export class EventsApiSender implements BatchSender {
  readonly #pool: Pool;
  readonly #path: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #apiKey: string;
  readonly #url: string;

  constructor(options: EventsApiSenderOptions) {
    this.#pool = new Pool(options.baseUrl.origin, {
      connections: options.connections,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      connectTimeout: options.requestTimeoutMs,
      keepAliveTimeout: 30_000,
    });
    const prefix = options.baseUrl.pathname.replace(/\/+$/, "");
    // The run id comes from the environment: encoded, it can never change the route.
    this.#path = `${prefix}/api/structure-runs/${encodeURIComponent(options.structureRunId)}/events`;
    this.#headers = {
      authorization: `Bearer ${options.apiKey}`,
      "content-type": "application/json",
    };
    this.#timeoutMs = options.requestTimeoutMs;
    this.#apiKey = options.apiKey;
    this.#url = options.baseUrl.origin + this.#path;
  }

  async send(body: string, signal: AbortSignal): Promise<SendOutcome> {
    // One deadline for the whole request: undici's own timeouts tick at a 1 s resolution and do not cover a
    // server that trickles its body. A plain controller and timer: AbortSignal.timeout plus AbortSignal.any
    // cost more per request on Node 20.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.#timeoutMs).unref();
    const onShutdown = (): void => deadline.abort();
    signal.addEventListener("abort", onShutdown, { once: true });
    try {
      const response = await this.#pool.request({
        method: "POST",
        path: this.#path,
        headers: this.#headers,
        body,
        signal: deadline.signal,
      });
      const { statusCode } = response;
      const kind = classifyStatus(statusCode);
      if (kind === "ok") {
        await response.body.dump();
        return { kind, status: statusCode };
      }
      // A server that echoes the request must not make the key reach a log through an error message.
      const text = redactSecret(await response.body.text(), this.#apiKey).slice(0, MAX_ERROR_BODY_CHARS);
      if (kind === "retry") {
        const retryAfterMs = parseRetryAfter(response.headers["retry-after"]);
        return {
          kind,
          status: statusCode,
          reason: `HTTP ${statusCode}`,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        };
      }
      if (kind === "too_large") return { kind, status: statusCode };
      return { kind, status: statusCode, message: text };
    } catch (error) {
      if (signal.aborted) return { kind: "retry", reason: "aborted by shutdown" };
      if (deadline.signal.aborted) return { kind: "retry", reason: `no response within ${this.#timeoutMs} ms` };
      return { kind: "retry", reason: describeNetworkError(error) };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onShutdown);
    }
  }

  sendSync(bodies: readonly string[], timeoutMs: number): number {
    return postSync({ url: this.#url, headers: this.#headers }, bodies, timeoutMs);
  }

  async close(force: boolean): Promise<void> {
    try {
      if (force) await this.#pool.destroy();
      else await this.#pool.close();
    } catch {
      // Closing twice or after a destroy is harmless; nothing to report.
    }
  }
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `${code}: ${error.message}` : error.message;
}
