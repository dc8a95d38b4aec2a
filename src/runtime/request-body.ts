import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "./api-error.js";
import type { BodyBudget } from "./body-budget.js";

export interface BodyLimits {
  /** Largest body: 413 past it. */
  maxBytes: number;
  /** Shared by all requests: 429 when this body does not fit. */
  budget: BodyBudget;
  /** From the first wait for the body to its end: 408 past it. */
  timeoutMs: number;
}

/** How long a client refused for lack of room is told to wait. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Reads a request body within `limits`. A declared `Content-Length` over `maxBytes`, or that does not fit the
 * budget, is refused before any byte is read; a body that grows past either (chunked) is refused at the chunk that
 * crosses it; a body that has not ended within `timeoutMs` is refused then. Each refusal is an `ApiError` at once
 * (413, 429, 408) and nothing more is kept: the router then answers and closes the connection. The bytes taken
 * from the budget are given back when the response closes.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, limits: BodyLimits): Promise<Buffer> {
  const { maxBytes, budget, timeoutMs } = limits;
  let taken = 0;
  res.once("close", () => budget.give(taken));
  const declared = req.headers["content-length"];
  if (declared !== undefined) {
    const length = Number(declared);
    if (length > maxBytes) return Promise.reject(tooLarge(maxBytes));
    if (!budget.take(length)) return Promise.reject(busy());
    taken = length;
  }
  const reserved = taken;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => fail(timedOut(timeoutMs)), timeoutMs);
    timer.unref();
    const cleanup = (): void => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onAborted);
    };
    const fail = (error: Error): void => {
      cleanup();
      chunks.length = 0;
      // Stop reading: the router answers and closes the connection.
      req.pause();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        fail(tooLarge(maxBytes));
        return;
      }
      if (size > reserved) {
        if (!budget.take(chunk.length)) {
          fail(busy());
          return;
        }
        taken += chunk.length;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => fail(err);
    const onAborted = (): void => fail(new Error("the client aborted the request"));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onAborted);
  });
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, "payload_too_large", `request body exceeds ${maxBytes} bytes; send smaller batches`);
}

function busy(): ApiError {
  return new ApiError(
    429,
    "too_many_requests",
    "the emulator holds as many request bodies as it allows at once; retry shortly",
    { headers: { "retry-after": String(RETRY_AFTER_SECONDS) } },
  );
}

function timedOut(timeoutMs: number): ApiError {
  return new ApiError(408, "request_timeout", `the request body did not arrive within ${timeoutMs} ms`);
}
