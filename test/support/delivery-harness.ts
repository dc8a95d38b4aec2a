/**
 * Helpers shared by the delivery tests: a driver wired to a fault server with small retry delays and an
 * empty environment, a pino logger that writes to memory, polling, and first-arrival order of event ids.
 * Nothing here replaces library code: drivers, buses and loggers are the real ones.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type Logger, pino } from "pino";
import {
  EventBus,
  EventListener,
  GriptapeCloudEventListenerDriver,
  type GriptapeCloudEventListenerDriverOptions,
} from "../../src/index.js";
import { type FaultServer, type FaultServerOptions, startFaultServer } from "./fault-server.js";

export const API_KEY = "test-key";
export const RUN_ID = "run-1";

/** Options every test driver starts from: fast retries and nothing read from the machine's environment. */
export const FAST: GriptapeCloudEventListenerDriverOptions = {
  apiKey: API_KEY,
  structureRunId: RUN_ID,
  env: {},
  retryInitialDelayMs: 5,
  retryMaxDelayMs: 50,
};

export interface CapturedLog {
  logger: Logger;
  /** Everything written so far, one JSON line per log call. */
  text(): string;
  /** Parsed lines at `level` or above (pino: 40 warn, 50 error). */
  entries(minLevel?: number): { level: number; msg: string }[];
}

/** A real pino logger at debug level writing to memory. */
export function captureLogger(): CapturedLog {
  const lines: string[] = [];
  const logger = pino(
    { level: "debug" },
    {
      write(line: string): void {
        lines.push(line);
      },
    },
  );
  return {
    logger,
    text: () => lines.join(""),
    entries: (minLevel = 0) =>
      lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((e) => e.level >= minLevel),
  };
}

/**
 * Tracks what a test starts so that `cleanup()` (called from afterEach) shuts every driver down under a short
 * deadline (a hanging server must not stall the suite) and closes every server.
 */
export class Harness {
  readonly #drivers: GriptapeCloudEventListenerDriver[] = [];
  readonly #servers: FaultServer[] = [];

  async server(options?: FaultServerOptions): Promise<FaultServer> {
    const server = await startFaultServer(options);
    this.#servers.push(server);
    return server;
  }

  driver(options: GriptapeCloudEventListenerDriverOptions): GriptapeCloudEventListenerDriver {
    const driver = new GriptapeCloudEventListenerDriver(options);
    this.#drivers.push(driver);
    return driver;
  }

  /** A bus whose only listener feeds `driver`. */
  bus(driver: GriptapeCloudEventListenerDriver): EventBus {
    const bus = new EventBus();
    bus.addEventListener(new EventListener({ driver }));
    return bus;
  }

  /**
   * A fault server, a driver pointed at it (FAST defaults and a quiet in-memory logger, then `options`) and a
   * bus feeding the driver.
   */
  async setup(
    options: GriptapeCloudEventListenerDriverOptions = {},
    serverOptions?: FaultServerOptions,
  ): Promise<{ server: FaultServer; driver: GriptapeCloudEventListenerDriver; bus: EventBus }> {
    const server = await this.server(serverOptions);
    const driver = this.driver({ ...FAST, baseUrl: server.url, logger: captureLogger().logger, ...options });
    return { server, driver, bus: this.bus(driver) };
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.#drivers.splice(0).map((d) => d.shutdown({ timeoutMs: 500 })));
    await Promise.all(this.#servers.splice(0).map((s) => s.close()));
  }
}

/** Publishes `count` TextChunkEvents with indexes from `from`; returns their ids in publish order. */
export function publishChunks(bus: EventBus, count: number, from = 0, token = "tok"): string[] {
  const ids: string[] = [];
  for (let i = from; i < from + count; i++) ids.push(bus.publishEvent({ type: "TextChunkEvent", index: i, token }).id);
  return ids;
}

/** Ids of the events the server accepted, each at its first arrival (a retried batch may arrive twice). */
export function firstArrivals(server: FaultServer): string[] {
  const seen = new Set<string>();
  const order: string[] = [];
  for (const payload of server.events(RUN_ID) as { id: string }[]) {
    if (seen.has(payload.id)) continue;
    seen.add(payload.id);
    order.push(payload.id);
  }
  return order;
}

/** Polls `condition` every few ms; throws (failing the test) if it is not met within `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}
