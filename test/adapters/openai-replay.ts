import { readFileSync } from "node:fs";
import OpenAI from "openai";

const recordings = new URL("./recordings/", import.meta.url);

/** A recorded SSE body (test/adapters/recordings/README.md says how they were written). */
export function recording(name: string): string {
  return readFileSync(new URL(name, recordings), "utf8");
}

/** A body the test streams by hand: send text, then end it, fail it, or leave it hanging. */
export class HandBody {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  cancelled = false;

  constructor() {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      cancel: () => {
        this.cancelled = true;
      },
    });
  }

  send(text: string): void {
    this.#controller.enqueue(new TextEncoder().encode(text));
  }

  end(): void {
    this.#controller.close();
  }

  fail(error: Error): void {
    this.#controller.error(error);
  }
}

export interface Replay {
  readonly client: OpenAI;
  /** The JSON bodies of the requests the client made, in order. */
  readonly requests: unknown[];
}

/**
 * An OpenAI client whose `fetch` answers each request with the next body, as `text/event-stream`: no network at all.
 * The key is a placeholder; it only has to look like one.
 */
export function replayClient(...bodies: (string | HandBody)[]): Replay {
  const requests: unknown[] = [];
  let next = 0;
  const fetch = async (_input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    requests.push(typeof init?.body === "string" ? (JSON.parse(init.body) as unknown) : undefined);
    const body = bodies[next++];
    if (body === undefined) return new Response('{"error":{"message":"no more recordings"}}', { status: 500 });
    return new Response(typeof body === "string" ? body : body.stream, {
      status: 200,
      headers: { "content-type": "text/event-stream" },
    });
  };
  const client = new OpenAI({ apiKey: "sk-test-replay-0000", fetch, maxRetries: 0 });
  return { client, requests };
}

/** One chat chunk as an SSE message, for bodies a test writes itself. */
export function chatChunkSse(fields: Record<string, unknown>): string {
  const chunk = {
    id: "chatcmpl-X",
    object: "chat.completion.chunk",
    created: 1795626013,
    model: "gpt-4.1-2025-04-14",
    choices: [],
    ...fields,
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** A chat chunk with one choice carrying `delta` (and a finish reason). */
export function chatDeltaSse(delta: Record<string, unknown>, finishReason: string | null = null): string {
  return chatChunkSse({ choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });
}
