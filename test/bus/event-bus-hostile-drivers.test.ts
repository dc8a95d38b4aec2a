/**
 * The bus against third-party drivers (the `EventListenerDriver` contract is public) whose `flush`, `shutdown` or
 * `flushSync` answer with anything at all, throw, reject, or never settle: the bus's own promises still resolve
 * (never reject, never hang past `timeoutMs` and the grace), its sums stay numbers, and each kind of wrong answer is
 * logged once per driver.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DRIVER_GRACE_MS } from "../../src/delays.js";
import {
  type DeliveryReport,
  EventBus,
  EventListener,
  type EventListenerDriver,
  type SerializedEvent,
} from "../../src/index.js";
import { captureLogger } from "../support/delivery-harness.js";
import { throwingProxy } from "../support/hostile-values.js";

type Method = "flush" | "shutdown" | "flushSync";

/** How a hostile driver answers: what it returns, and what the bus should count for it. */
interface Answer {
  name: string;
  make: () => unknown;
  /** `never`: the answer never settles, so the bus counts the driver's events as pending. */
  counts: "empty" | "never";
}

const trap = (): never => {
  throw new Error("trap: read");
};

/** True for a value the bus may rightly take as a report (fc.anything rarely makes one; those are left out). */
function looksLikeReport(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  return ["sent", "failed", "dropped", "pending"].every((k) => typeof r[k] === "number");
}

const hostileValue: fc.Arbitrary<Answer> = fc.oneof(
  fc.constantFrom<Answer>(
    { name: "undefined", make: () => undefined, counts: "empty" },
    { name: "null", make: () => null, counts: "empty" },
    { name: "number", make: () => 3, counts: "empty" },
    { name: "string", make: () => "sent", counts: "empty" },
    { name: "missing fields", make: () => ({ sent: 1 }), counts: "empty" },
    { name: "NaN counts", make: () => ({ sent: Number.NaN, failed: 0, dropped: 0, pending: 0 }), counts: "empty" },
    { name: "negative counts", make: () => ({ sent: -5, failed: 0, dropped: 0, pending: 0 }), counts: "empty" },
    {
      name: "throwing getters",
      make: () => ({
        get sent(): number {
          return trap();
        },
        failed: 0,
        dropped: 0,
        pending: 0,
      }),
      counts: "empty",
    },
    { name: "proxy", make: throwingProxy, counts: "empty" },
    {
      name: "thenable whose then throws",
      // biome-ignore lint/suspicious/noThenProperty: a thenable that breaks `await` is the hostile input here.
      make: () => ({ then: trap }),
      counts: "empty",
    },
  ),
  fc
    .anything({ withBigInt: true, withNullPrototype: true, withMap: true })
    .filter((v) => !looksLikeReport(v))
    .map((v): Answer => ({ name: "anything", make: () => v, counts: "empty" })),
);

/** How the answer is given: returned, resolved, rejected, thrown, or a promise that never settles. */
const delivery = fc.oneof(
  { arbitrary: fc.constantFrom("return", "resolve", "reject", "throw"), weight: 9 },
  // Rarer: each costs the deadline and its grace.
  { arbitrary: fc.constant("never"), weight: 1 },
);

function hostileDriver(method: Method, how: string, answer: Answer): EventListenerDriver {
  const give = (): unknown => {
    const value = answer.make();
    switch (how) {
      case "throw":
        throw value;
      case "reject":
        return Promise.reject(value);
      case "resolve":
        return Promise.resolve().then(() => value);
      case "never":
        return new Promise(() => {});
      default:
        return value;
    }
  };
  const ok = (): Promise<DeliveryReport> => Promise.resolve({ sent: 0, failed: 0, dropped: 0, pending: 0 });
  return {
    publishEvent(_event: SerializedEvent): void {},
    flush: (method === "flush" ? give : ok) as EventListenerDriver["flush"],
    shutdown: (method === "shutdown" ? give : ok) as EventListenerDriver["shutdown"],
    flushSync: (method === "flushSync" ? give : () => ({ sent: 0, failed: 0, dropped: 0, pending: 0 })) as never,
  };
}

/** A well-behaved driver beside the hostile one: its counts must come through whatever the other does. */
class CountingDriver implements EventListenerDriver {
  #received = 0;
  publishEvent(_event: SerializedEvent): void {
    this.#received++;
  }
  flushSync(): DeliveryReport {
    return { sent: this.#received, failed: 0, dropped: 0, pending: 0 };
  }
  async flush(): Promise<DeliveryReport> {
    return this.flushSync();
  }
  async shutdown(): Promise<DeliveryReport> {
    return this.flushSync();
  }
}

function isCount(n: unknown): boolean {
  return typeof n === "number" && Number.isFinite(n) && n >= 0;
}

describe("drivers whose flush, shutdown or flushSync answer anything", () => {
  it("the bus resolves with the good driver's counts, the hostile one as empty or pending, logged once (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Method>("flush", "shutdown", "flushSync"),
        delivery,
        hostileValue,
        fc.integer({ min: 0, max: 3 }),
        async (method, how, answer, events) => {
          // A promise that never settles is given only to the async methods, with a short deadline (it costs one).
          fc.pre(!(how === "never" && method === "flushSync"));
          const log = captureLogger();
          const bus = new EventBus({ logger: log.logger });
          const good = new CountingDriver();
          bus.addEventListener(new EventListener({ driver: good }));
          bus.addEventListener(new EventListener({ driver: hostileDriver(method, how, answer) }));
          for (let i = 0; i < events; i++) bus.publishEvent({ type: "A" });
          const timeoutMs = how === "never" ? 20 : 10_000;
          const call = (): DeliveryReport | Promise<DeliveryReport> =>
            method === "flushSync" ? bus.flushSync({ timeoutMs }) : bus[method]({ timeoutMs });
          // Asked twice, at once: both wait out the same deadline when the driver never answers.
          const reports = await Promise.all([call(), call()]);
          for (const report of reports) {
            expect(Object.values(report).every(isCount)).toBe(true);
            const pendingFromHostile = how === "never" ? events : 0;
            expect(report).toEqual({ sent: events, failed: 0, dropped: 0, pending: pendingFromHostile });
          }
          // Twice asked, once said.
          const lines = log.entries(40).filter((e) => e.msg.startsWith(`an EventListenerDriver's ${method} `));
          expect(lines).toHaveLength(1);
          expect(lines[0]!.msg).toMatch(how === "never" ? /did not settle/ : /counted as an empty report$/);
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);

  it.each(["flush", "shutdown"] as const)(
    "a %s that never settles is given up on after timeoutMs and the grace, its events pending",
    async (method) => {
      const log = captureLogger();
      const bus = new EventBus({ logger: log.logger });
      bus.addEventListener(new EventListener({ driver: hostileDriver(method, "never", HOSTILE_UNDEFINED) }));
      bus.publishEvent({ type: "A" });
      bus.publishEvent({ type: "B" });
      const started = performance.now();
      const report = await bus[method]({ timeoutMs: 100 });
      const took = performance.now() - started;
      expect(report).toEqual({ sent: 0, failed: 0, dropped: 0, pending: 2 });
      expect(took).toBeGreaterThanOrEqual(100 + DRIVER_GRACE_MS - 5);
      expect(log.entries(50).map((e) => e.msg)).toEqual([
        `an EventListenerDriver's ${method} did not settle within ${100 + DRIVER_GRACE_MS} ms: the 2 event(s) handed to it count as pending (not confirmed delivered)`,
      ]);
    },
  );

  it("without timeoutMs the bus waits for a slow driver's own answer", async () => {
    const bus = new EventBus({ logger: captureLogger().logger });
    const slow: EventListenerDriver = {
      publishEvent: () => {},
      flush: () =>
        new Promise((resolve) => setTimeout(() => resolve({ sent: 1, failed: 0, dropped: 0, pending: 0 }), 50)),
      shutdown: async () => ({ sent: 1, failed: 0, dropped: 0, pending: 0 }),
    };
    bus.addEventListener(new EventListener({ driver: slow }));
    expect(await bus.flush()).toEqual({ sent: 1, failed: 0, dropped: 0, pending: 0 });
  });

  it("a flushSync that returns a rejected promise leaves no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on("unhandledRejection", onUnhandled);
    try {
      const bus = new EventBus({ logger: captureLogger().logger });
      bus.addEventListener(new EventListener({ driver: hostileDriver("flushSync", "reject", HOSTILE_UNDEFINED) }));
      expect(bus.flushSync()).toEqual({ sent: 0, failed: 0, dropped: 0, pending: 0 });
      // Unhandled rejections are reported after the microtask queue drains; a macrotask turn is enough.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("a driver whose methods cannot even be read still lets the bus resolve", async () => {
    const bus = new EventBus({ logger: captureLogger().logger });
    const good = new CountingDriver();
    bus.addEventListener(new EventListener({ driver: good }));
    const unreadable = {
      publishEvent: () => {},
      get flush(): never {
        return trap();
      },
      get shutdown(): never {
        return trap();
      },
      get flushSync(): never {
        return trap();
      },
    };
    bus.addEventListener(new EventListener({ driver: unreadable as EventListenerDriver }));
    expect(() => bus.publishEvent({ type: "A" })).not.toThrow();
    await expect(bus.flush({ timeoutMs: 50 })).resolves.toEqual({ sent: 1, failed: 0, dropped: 0, pending: 0 });
    expect(bus.flushSync()).toEqual({ sent: 1, failed: 0, dropped: 0, pending: 0 });
    await expect(bus.shutdown({ timeoutMs: 50 })).resolves.toEqual({ sent: 1, failed: 0, dropped: 0, pending: 0 });
  });
});

const HOSTILE_UNDEFINED: Answer = { name: "undefined", make: () => undefined, counts: "empty" };
