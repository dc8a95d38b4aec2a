import { wallNow } from "./sink-protocol.js";

/** What the parent passes a publisher child, as JSON in argv[2]. */
export interface PublisherConfig {
  /** Base URL on the sink for this client (counted under its id). */
  url: string;
  /** Events to publish. */
  n: number;
  /** Events per request (B), the same for every client. */
  batch: number;
  /** Events published per macrotask: between bursts the client's I/O gets to run. */
  burst: number;
  /** Run id and key for a real Events API (the emulator); the sink accepts anything. */
  structureRunId?: string;
  apiKey?: string;
}

export type PublisherMessage =
  | {
      type: "result";
      /** Wall-clock ms just before the first publish. */
      startAt: number;
      /** Wall-clock ms when the client's flush resolved. */
      finishedAt: number;
      /** Sum of the synchronous time spent inside publish calls, divided by n. */
      publishNsPerEvent: number;
      /** Client-side counters worth printing (dropped events and the like). */
      notes: string;
    }
  | { type: "error"; message: string };

/** One client under test. `publish` is timed; `finish` is awaited as part of the end-to-end time. */
export interface BenchClient {
  publish(i: number): void;
  /** Resolves when everything published has been handed to the server (the client's flush). */
  finish(): Promise<void>;
  /** Shuts the client down after the measurement; not timed. */
  close(): Promise<void>;
  notes?(): string;
}

/** TextChunkEvent-like content shared by every client: the same index and token for event i. */
const TOKENS = ["Hel", "lo", ", wor", "ld", "! How", " can I", " help", " you today?"];
export function tokenOf(i: number): string {
  return TOKENS[i & 7]!;
}

function reply(message: PublisherMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
    } else process.send(message, () => resolve());
  });
}

/**
 * Publishes `n` events through the client in bursts paced by setImmediate, times the synchronous part,
 * waits for the client's flush, reports to the parent over IPC, then closes the client and exits.
 */
export async function runPublisher(
  make: (config: PublisherConfig) => BenchClient | Promise<BenchClient>,
): Promise<void> {
  try {
    const config = JSON.parse(process.argv[2] ?? "") as PublisherConfig;
    const client = await make(config);
    let publishNs = 0n;
    let i = 0;
    const startAt = wallNow();
    await new Promise<void>((resolve) => {
      const burst = (): void => {
        const end = Math.min(i + config.burst, config.n);
        const t0 = process.hrtime.bigint();
        for (; i < end; i++) client.publish(i);
        publishNs += process.hrtime.bigint() - t0;
        if (i < config.n) setImmediate(burst);
        else resolve();
      };
      burst();
    });
    await client.finish();
    const finishedAt = wallNow();
    await reply({
      type: "result",
      startAt,
      finishedAt,
      publishNsPerEvent: Number(publishNs) / config.n,
      notes: client.notes?.() ?? "",
    });
    await Promise.race([client.close(), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
    process.exit(0);
  } catch (error) {
    await reply({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  }
}
