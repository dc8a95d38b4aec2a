// Shared by the runtime tests: real emulators on 127.0.0.1, closed after each test, plain fetch, and a small
// SSE reader that keeps every frame (ids, data, comments) so tests can assert the wire text.
import { afterEach } from "vitest";
import { EventsApiEmulator, type EventsApiEmulatorOptions } from "../../src/local.js";

export { readFixture, readFixtureText } from "../support/fixtures.js";

const emulators: EventsApiEmulator[] = [];

afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

export async function startEmulator(options: EventsApiEmulatorOptions = {}): Promise<EventsApiEmulator> {
  const emulator = new EventsApiEmulator(options);
  emulators.push(emulator);
  await emulator.start();
  return emulator;
}

export interface CallOptions {
  method?: string;
  key?: string | undefined;
  body?: string;
  headers?: Record<string, string>;
}

export async function call(
  emulator: EventsApiEmulator,
  path: string,
  options: CallOptions = {},
): Promise<{ status: number; headers: Headers; text: string; json: unknown }> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
  if (options.body !== undefined) headers["content-type"] ??= "application/json";
  const res = await fetch(`${emulator.url}${path}`, {
    method: options.method ?? "GET",
    headers,
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : (JSON.parse(text) as unknown);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export interface SseFrame {
  id: string | undefined;
  data: string | undefined;
  comment: string | undefined;
}

/** An open SSE response, read frame by frame. */
export class SseReader {
  readonly frames: SseFrame[] = [];
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = "";
  #done = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }

  get done(): boolean {
    return this.#done;
  }

  /** Data frames (events) parsed as JSON, with their ids. */
  events(): { id: string | undefined; data: unknown }[] {
    return this.frames
      .filter((f) => f.data !== undefined)
      .map((f) => ({ id: f.id, data: JSON.parse(f.data ?? "") as unknown }));
  }

  /** Reads until `predicate` holds or the stream ends; returns whether the stream ended. */
  async readUntil(predicate: (frames: readonly SseFrame[]) => boolean): Promise<boolean> {
    while (!predicate(this.frames)) {
      const { done, value } = await this.#reader.read();
      if (done) {
        this.#done = true;
        return true;
      }
      this.#buffer += this.#decoder.decode(value, { stream: true });
      let end = this.#buffer.indexOf("\n\n");
      while (end !== -1) {
        this.frames.push(parseFrame(this.#buffer.slice(0, end)));
        this.#buffer = this.#buffer.slice(end + 2);
        end = this.#buffer.indexOf("\n\n");
      }
    }
    return false;
  }

  /** Reads to the end of the stream. */
  async readToEnd(): Promise<void> {
    await this.readUntil(() => false);
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}

function parseFrame(text: string): SseFrame {
  const frame: SseFrame = { id: undefined, data: undefined, comment: undefined };
  for (const line of text.split("\n")) {
    if (line.startsWith(":")) frame.comment = line.slice(1).trim();
    else if (line.startsWith("id: ")) frame.id = line.slice(4);
    else if (line.startsWith("data: "))
      frame.data = frame.data === undefined ? line.slice(6) : `${frame.data}\n${line.slice(6)}`;
  }
  return frame;
}

export async function openStream(
  emulator: EventsApiEmulator,
  runId: string,
  query = "",
  key: string = emulator.apiKey,
): Promise<{ response: Response; reader: SseReader }> {
  const response = await fetch(`${emulator.url}/api/structure-runs/${runId}/events/stream${query}`, {
    headers: { authorization: `Bearer ${key}`, accept: "text/event-stream" },
  });
  if (response.body === null) throw new Error("stream response has no body");
  return { response, reader: new SseReader(response.body) };
}

/** Fails the test if `promise` has not settled within `ms`. */
export async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
