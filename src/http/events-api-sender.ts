import { Pool } from "undici";
import { redactSecret } from "../redact.js";
import type { BatchSender, SendOutcome, SyncSendResult } from "./batch-sender.js";
import { classifyError, classifyStatus, errorCode, parseRetryAfter } from "./retry-policy.js";
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

/** POSTs batches to `{base}/api/structure-runs/{id}/events` over a keep-alive undici pool. */
export class EventsApiSender implements BatchSender {
  readonly #pool: Pool;
  readonly #path: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #apiKey: string;
  readonly #origin: string;
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
    this.#origin = options.baseUrl.origin;
    this.#url = options.baseUrl.origin + this.#path;
  }

  async send(body: string, signal: AbortSignal): Promise<SendOutcome> {
    if (signal.aborted) return { kind: "retry", reason: "aborted by shutdown", transport: "aborted" };
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
        // dump() reads at most 128 KiB, then closes the connection rather than read on.
        await response.body.dump();
        return { kind, status: statusCode };
      }
      const text = await this.#readErrorText(response.body);
      if (kind === "retry") {
        const retryAfterMs = parseRetryAfter(response.headers["retry-after"]);
        return {
          kind,
          status: statusCode,
          reason: `HTTP ${statusCode}`,
          transport: "http",
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        };
      }
      if (kind === "too_large") return { kind, status: statusCode };
      return { kind, status: statusCode, message: text };
    } catch (error) {
      if (signal.aborted) return { kind: "retry", reason: "aborted by shutdown", transport: "aborted" };
      if (deadline.signal.aborted) {
        return { kind: "retry", reason: `no response within ${this.#timeoutMs} ms`, transport: "timeout" };
      }
      const errorClass = classifyError(error);
      const reason = this.#describe(error, errorClass);
      if (errorClass === "invalid_request") return { kind: "invalid_request", reason };
      return { kind: "retry", reason, transport: errorClass };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onShutdown);
    }
  }

  sendSync(bodies: readonly string[], timeoutMs: number): SyncSendResult {
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

  /**
   * At most what an error message keeps: a 300 MB error body must not be held to keep 500 characters of it.
   * Reads enough bytes for 500 characters of UTF-8 plus the key's length, so that a key the server echoes
   * anywhere in the kept part is whole when redacted; then stops, which closes the connection.
   */
  async #readErrorText(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
    const limit = MAX_ERROR_BODY_CHARS * 4 + Buffer.byteLength(this.#apiKey);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of body) {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= limit) break;
      }
    } catch {
      // The body broke off: what arrived is still worth quoting.
    }
    const text = Buffer.concat(chunks, Math.min(size, limit)).toString("utf8");
    // A server that echoes the request must not make the key reach a log through an error message.
    return redactSecret(text, this.#apiKey).slice(0, MAX_ERROR_BODY_CHARS);
  }

  #describe(error: unknown, errorClass: string): string {
    const code = errorCode(error);
    let message = "";
    try {
      message = error instanceof Error ? error.message : "";
    } catch {
      // A hostile value from a transport: its code is enough.
    }
    const text = [code, message].filter((s) => s !== undefined && s !== "").join(": ") || "network error";
    const described = errorClass === "connect" ? `cannot connect to ${this.#origin} (${text})` : text;
    return redactSecret(described, this.#apiKey).slice(0, MAX_ERROR_BODY_CHARS);
  }
}
