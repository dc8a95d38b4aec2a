import { type Child, forkChild } from "./children.js";
import type { SinkCommand, SinkMessage } from "./sink-protocol.js";

export { wallNow } from "./sink-protocol.js";

export interface Sink {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Base URL for client `id`: everything posted under it is counted for `id`. */
  clientUrl(id: string): string;
  /** Base URL for client `id` in the latency benchmark: counted, and each event's publish-to-arrival time kept. */
  latencyUrl(id: string): string;
  /** Base URL under which every POST gets 503. */
  readonly outageUrl: string;
  /** Registers `n` expected events for `id`; resolves when the sink has counted them, else undefined at the timeout. */
  expect(id: string, n: number, timeoutMs: number): Promise<{ count: number; at: number } | undefined>;
  count(id: string): Promise<{ count: number; errors: string[] }>;
  /** Publish-to-arrival ms of each event that arrived under `latencyUrl(id)`, then forgotten by the sink. */
  latencies(id: string): Promise<number[]>;
  close(): Promise<void>;
}

/** Starts bench/sink-server.ts in its own process and waits until it listens on 127.0.0.1. */
export async function startSink(): Promise<Sink> {
  const child: Child<SinkMessage> = forkChild<SinkMessage>("bench/sink-server.ts", { tsx: true });
  const ready = await child.waitFor((m) => m.type === "ready", 20_000);
  if (ready?.type !== "ready") {
    const { stderr } = await child.exited(1000);
    throw new Error(`the sink did not start: ${stderr.trim() || "no output"}`);
  }
  const origin = `http://127.0.0.1:${ready.port}`;
  const command = (message: SinkCommand): void => {
    child.process.send(message);
  };
  return {
    origin,
    outageUrl: `${origin}/outage`,
    clientUrl: (id) => `${origin}/c/${encodeURIComponent(id)}`,
    latencyUrl: (id) => `${origin}/l/${encodeURIComponent(id)}`,
    async expect(id, n, timeoutMs) {
      const done = child.waitFor((m) => m.type === "done" && m.id === id, timeoutMs);
      command({ cmd: "expect", id, n });
      const message = await done;
      return message?.type === "done" ? { count: message.count, at: message.at } : undefined;
    },
    async count(id) {
      const before = child.messages.length;
      command({ cmd: "count", id });
      const message = await child.waitFor(
        (m) => m.type === "count" && m.id === id && child.messages.indexOf(m) >= before,
        5000,
      );
      return message?.type === "count" ? { count: message.count, errors: message.errors } : { count: -1, errors: [] };
    },
    async latencies(id) {
      const before = child.messages.length;
      command({ cmd: "latencies", id });
      const message = await child.waitFor(
        (m) => m.type === "latencies" && m.id === id && child.messages.indexOf(m) >= before,
        5000,
      );
      return message?.type === "latencies" ? message.latencies : [];
    },
    async close() {
      child.process.kill("SIGTERM");
      await child.exited(2000);
    },
  };
}
