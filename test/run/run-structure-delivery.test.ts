/**
 * An output that did not reach the Events API is a failed run, said plainly: a non-zero exit code and one
 * sentence on stderr naming the setting to check (never the key). Real child processes against a real server on
 * 127.0.0.1 for the process paths; in-process runs (exit: false) for the result and a caller's bus.
 */
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { lastAttemptRoom } from "../../src/http/retrying-sender.js";
import { EventBus, EventListener, eventBus, MemoryEventListenerDriver, runStructure } from "../../src/index.js";
import { cleanEnv, type Finished, killChildren, spawnTs } from "../support/child-processes.js";
import { captureLogger } from "../support/delivery-harness.js";
import { type FaultServer, startFaultServer } from "../support/fault-server.js";

const STRUCTURE = fileURLToPath(new URL("./structures/structure.ts", import.meta.url));
const TWICE = fileURLToPath(new URL("./structures/twice.ts", import.meta.url));
const TIMED_END = fileURLToPath(new URL("./structures/timed-end.ts", import.meta.url));
const API_KEY = "sk-delivery-0123456789-SECRET";
const RUN_ID = "run-delivery";
const SENTENCE = "structure-run-events: the run's output did not reach";

let server: FaultServer | undefined;
afterEach(async () => {
  killChildren();
  await server?.close();
  server = undefined;
});

function cloudEnv(baseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GT_CLOUD_STRUCTURE_RUN_ID: RUN_ID,
    GT_CLOUD_API_KEY: API_KEY,
    GT_CLOUD_BASE_URL: baseUrl,
    GT_EVENTS_RETRY_INITIAL_DELAY_MS: "5",
    GT_EVENTS_RETRY_MAX_DELAY_MS: "50",
    ...extra,
  };
}

function run(args: string[], env: Record<string, string>): Promise<Finished> {
  return spawnTs(STRUCTURE, args, { env: { ...cleanEnv(), ...env } }).done;
}

/** The verdict sentences on stderr (there must be exactly one when the output was lost). */
function sentences(finished: Finished): string[] {
  return finished.stderr.split("\n").filter((line) => line.startsWith(SENTENCE));
}

function expectNoKey(finished: Finished): void {
  expect(finished.stdout + finished.stderr).not.toContain(API_KEY);
  expect(finished.stdout + finished.stderr).not.toContain(API_KEY.slice(0, 12));
}

async function closedPortUrl(): Promise<string> {
  const s = await startFaultServer();
  await s.close();
  return s.url;
}

describe("an undelivered output fails the run, in one sentence", () => {
  it("a refused key: exit 1, the sentence names GT_CLOUD_API_KEY, never the key", async () => {
    server = await startFaultServer({ apiKey: "the-right-key" });
    const finished = await run(["return-text", "3"], cloudEnv(server.url));
    expect(finished.code).toBe(1);
    const [sentence, ...more] = sentences(finished);
    expect(more).toEqual([]);
    expect(sentence).toContain("the API key was refused (HTTP 401); check GT_CLOUD_API_KEY");
    // Start, three chunks and the Finish event: the count is the report's.
    expect(sentence).toContain("(5 of 5 event(s) of the run not delivered)");
    expectNoKey(finished);
  });

  it("a key that may not post to this run (403, as for a wrong run id): the sentence names the run id and the key", async () => {
    server = await startFaultServer({ apiKey: API_KEY });
    server.setDown(true, { kind: "status", status: 403 });
    const finished = await run(["return-text", "3"], cloudEnv(server.url));
    expect(finished.code).toBe(1);
    const [sentence, ...more] = sentences(finished);
    expect(more).toEqual([]);
    expect(sentence).toContain(
      "the API key may not post to this run (HTTP 403); check GT_CLOUD_STRUCTURE_RUN_ID and GT_CLOUD_API_KEY",
    );
    expect(finished.stderr).not.toContain("refused");
    expectNoKey(finished);
  });

  it("an unreachable host, synchronously after process.exit(n): the cause says the code once, and is said once", async () => {
    const url = await closedPortUrl();
    const finished = await run(["exit", "3"], cloudEnv(url, { GT_EVENTS_SHUTDOWN_TIMEOUT_MS: "1000" }));
    expect(finished.code).toBe(7);
    const [sentence, ...more] = sentences(finished);
    expect(more).toEqual([]);
    expect(sentence!.split("ECONNREFUSED")).toHaveLength(2);
    // The driver's closing line about the same loss would repeat the sentence.
    expect(finished.stderr.split("ECONNREFUSED")).toHaveLength(2);
    expectNoKey(finished);
  });

  it("an unreachable host: exit 1, a warning while retrying, the sentence names GT_CLOUD_BASE_URL", async () => {
    const url = await closedPortUrl();
    const finished = await run(["return-text", "3"], cloudEnv(url));
    expect(finished.code).toBe(1);
    const [sentence, ...more] = sentences(finished);
    expect(more).toEqual([]);
    expect(sentence).toContain("ECONNREFUSED");
    expect(sentence).toContain("check GT_CLOUD_BASE_URL");
    // stderr is a pipe here: the log lines are JSON, and the first trouble was said once, not per attempt.
    const logs = finished.stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    const warnings = logs.filter((l) => l.msg.startsWith("events are not being delivered yet"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain("GT_CLOUD_BASE_URL");
    expectNoKey(finished);
  });

  it("an unreachable host: the run retries until the last attempt its deadline leaves room for, and says why", async () => {
    // The trial's case: with GT_EVENTS_SHUTDOWN_TIMEOUT_MS=3000 the process exited after 0.7 to 2.2 s, saying the
    // deadline had been reached. The default backoff, as a user has it.
    const url = await closedPortUrl();
    const env = {
      GT_CLOUD_STRUCTURE_RUN_ID: RUN_ID,
      GT_CLOUD_API_KEY: API_KEY,
      GT_CLOUD_BASE_URL: url,
      GT_EVENTS_SHUTDOWN_TIMEOUT_MS: "1500",
    };
    const finished = await spawnTs(TIMED_END, [], { env: { ...cleanEnv(), ...env } }).done;
    expect(finished.code).toBe(1);
    const { endMs, slowestMs } = JSON.parse(finished.stdout.trim().split("\n").at(-1)!) as {
      endMs: number;
      slowestMs: number;
    };
    // Its last attempt started no earlier than its room before the deadline (timers fire late, never early by
    // more than a few ms), and the end stays bounded by the deadline.
    expect(endMs).toBeGreaterThanOrEqual(1500 - lastAttemptRoom(slowestMs, 10_000) - 20);
    expect(endMs).toBeLessThan(1500 + 1500);
    const [sentence, ...more] = sentences(finished);
    expect(more).toEqual([]);
    expect(sentence).toContain("ECONNREFUSED");
    expect(sentence).toContain("check GT_CLOUD_BASE_URL");
    // The cause says the code once ("cannot connect to http://127.0.0.1:… (ECONNREFUSED)"), and the loss is said
    // once: the warning while retrying, then the sentence; the driver's closing error line about the same loss
    // would repeat it.
    expect(sentence!.split("ECONNREFUSED")).toHaveLength(2);
    const logs = finished.stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
    expect(logs.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^events are not being delivered yet: cannot connect/),
    ]);
    expect(logs[0]!.msg.split("ECONNREFUSED")).toHaveLength(2);
    expectNoKey(finished);
  });

  it("an API that never answers: exit 1 at the deadline, the sentence names GT_EVENTS_SHUTDOWN_TIMEOUT_MS", async () => {
    server = await startFaultServer({ apiKey: API_KEY });
    server.setDown(true, { kind: "hang" });
    const finished = await run(["return-text", "3"], cloudEnv(server.url, { GT_EVENTS_SHUTDOWN_TIMEOUT_MS: "500" }));
    expect(finished.code).toBe(1);
    const [sentence, ...more] = sentences(finished);
    expect(more).toEqual([]);
    expect(sentence).toContain("within the 500 ms delivery deadline (GT_EVENTS_SHUTDOWN_TIMEOUT_MS)");
  });

  it("the run's own non-zero exit code is kept", async () => {
    server = await startFaultServer({ apiKey: "the-right-key" });
    const threw = await run(["throw", "3"], cloudEnv(server.url));
    expect(threw.code).toBe(1);
    expect(sentences(threw)).toHaveLength(1);
    const exited = await run(["exit", "3"], cloudEnv(server.url));
    expect(exited.code).toBe(7);
    expect(sentences(exited)).toHaveLength(1);
    expectNoKey(exited);
  });

  it("process.exit(0) with a refused key: the synchronous delivery fails, so the process exits 1", async () => {
    server = await startFaultServer({ apiKey: "the-right-key" });
    const finished = await run(["exit-zero", "3"], cloudEnv(server.url));
    expect(finished.code).toBe(1);
    const [sentence, ...more] = sentences(finished);
    expect(more).toEqual([]);
    expect(sentence).toContain("check GT_CLOUD_API_KEY");
    expectNoKey(finished);
  });

  it("a delivered output: exit 0 and no sentence", async () => {
    server = await startFaultServer({ apiKey: API_KEY });
    const finished = await run(["return-text", "3"], cloudEnv(server.url));
    expect(finished.code).toBe(0);
    expect(sentences(finished)).toEqual([]);
    expect(finished.stderr).toBe("");
  });
});

describe("log lines", () => {
  it("GT_EVENTS_LOG_FORMAT=text: readable lines, no JSON", async () => {
    server = await startFaultServer({ apiKey: "the-right-key" });
    const finished = await run(["return-text", "3"], cloudEnv(server.url, { GT_EVENTS_LOG_FORMAT: "text" }));
    const lines = finished.stderr.split("\n").filter((line) => line !== "");
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line).toMatch(/^structure-run-events[ :]/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^structure-run-events error: the Events API refused the API key/),
    );
  });

  it("GT_EVENTS_LOG_FORMAT=json: JSON lines, the verdict sentence aside", async () => {
    server = await startFaultServer({ apiKey: "the-right-key" });
    const finished = await run(["return-text", "3"], cloudEnv(server.url, { GT_EVENTS_LOG_FORMAT: "json" }));
    const lines = finished.stderr.split("\n").filter((line) => line !== "" && !line.startsWith(SENTENCE));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ level: 50, name: "structure-run-events" });
  });
});

describe("the result says whether the output was delivered", () => {
  it("delivered: true on a healthy API; false with the reason and the variable on a refused key", async () => {
    server = await startFaultServer({ apiKey: API_KEY });
    const log = captureLogger();
    const ok = await runStructure(() => "fine", { exit: false, env: cloudEnv(server.url), logger: log.logger });
    expect(ok).toMatchObject({ exitCode: 0, delivered: true, report: { sent: 2, failed: 0 } });
    expect(ok.undelivered).toBeUndefined();

    const refused = await runStructure(() => "lost", {
      exit: false,
      env: { ...cloudEnv(server.url), GT_CLOUD_API_KEY: "wrong-key" },
      logger: log.logger,
    });
    expect(refused).toMatchObject({
      exitCode: 1,
      end: "returned",
      delivered: false,
      undelivered: { reason: "unauthorized", variable: "GT_CLOUD_API_KEY" },
      report: { sent: 0, failed: 2 },
    });
    expect(refused.undelivered?.message).toContain("check GT_CLOUD_API_KEY");
  });

  it("a lost event but a delivered output: exit 0, one warning whose counts are the report's", async () => {
    server = await startFaultServer({ apiKey: API_KEY });
    const log = captureLogger();
    server.queue({ kind: "status", status: 400 });
    const result = await runStructure(
      async ({ publishEvent }) => {
        await new Promise((resolve) => setTimeout(resolve, 50)); // the Start event's batch gets the 400
        publishEvent({ type: "TextChunkEvent", token: "a", index: 0 });
        return "kept";
      },
      { exit: false, env: cloudEnv(server.url), logger: log.logger },
    );
    expect(result).toMatchObject({ exitCode: 0, delivered: true, report: { sent: 2, failed: 1, dropped: 0 } });
    const warnings = log.entries(40).filter((e) => e.msg.includes("of the run were not delivered"));
    expect(warnings.map((e) => e.msg)).toEqual([
      "1 of 3 event(s) of the run were not delivered (failed 1, dropped 0, pending 0); the run's output was delivered",
    ]);
  });
});

describe("runStructure on the shared eventBus (the default)", () => {
  it("events published on eventBus during the run reach the API, in order with the context's, as in a process", async () => {
    server = await startFaultServer({ apiKey: API_KEY });
    const finished = await run(["shared-bus", "2"], cloudEnv(server.url));
    expect(finished.code).toBe(0);
    expect(finished.stderr).toBe("");
    const events = server.events(RUN_ID) as { type: string; token?: string }[];
    expect(events.map((e) => e.token ?? e.type)).toEqual([
      "StartStructureRunEvent",
      "t0",
      "t1",
      "from eventBus",
      "FinishStructureRunEvent",
    ]);
  });

  it("both ways of publishing reach the run's driver; the run's listeners are gone afterwards, the caller's kept", async () => {
    server = await startFaultServer({ apiKey: API_KEY });
    const log = captureLogger();
    const mine = new MemoryEventListenerDriver();
    const registration = eventBus.addEventListener(new EventListener({ driver: mine }));
    try {
      const result = await runStructure(
        ({ publishEvent, bus }) => {
          expect(bus).toBe(eventBus);
          eventBus.publishEvent({ type: "TextChunkEvent", token: "x" });
          publishEvent({ type: "TextChunkEvent", token: "y" });
          return "done";
        },
        { exit: false, env: cloudEnv(server.url), logger: log.logger },
      );
      // The run's own driver was shut down and decided the verdict; the caller's was flushed, not shut down.
      expect(result).toMatchObject({ exitCode: 0, delivered: true, report: { sent: 4, failed: 0, dropped: 0 } });
      const tokens = (server.events(RUN_ID) as { type: string; token?: string }[]).map((e) => e.token ?? e.type);
      expect(tokens).toEqual(["StartStructureRunEvent", "x", "y", "FinishStructureRunEvent"]);
      expect(eventBus.eventListeners).toEqual([registration.listener]);
      eventBus.publishEvent({ type: "After" });
      expect(mine.events.map((e) => e.type)).toEqual([
        "StartStructureRunEvent",
        "TextChunkEvent",
        "TextChunkEvent",
        "FinishStructureRunEvent",
        "After",
      ]);
    } finally {
      registration.remove();
    }
  });

  it("a listener on eventBus that throws during the run is reported through the run's logger", async () => {
    const log = captureLogger();
    const registration = eventBus.addEventListener(
      new EventListener({
        eventTypes: ["TextChunkEvent"],
        onEvent: () => {
          throw new Error("listener bug");
        },
      }),
    );
    try {
      await runStructure(
        ({ publishEvent }) => {
          publishEvent({ type: "TextChunkEvent", token: "x" });
          return "done";
        },
        { exit: false, driver: new MemoryEventListenerDriver(), env: {}, logger: log.logger },
      );
    } finally {
      registration.remove();
    }
    expect(log.entries(50).map((e) => e.msg)).toEqual([expect.stringContaining("listener bug")]);
  });
});

describe("runStructure on a caller's bus, and twice", () => {
  it("removes the listeners it added; the caller's own listener and driver are left working", async () => {
    server = await startFaultServer({ apiKey: API_KEY });
    const bus = new EventBus();
    const mine = new MemoryEventListenerDriver();
    bus.addEventListener(new EventListener({ driver: mine }));
    const options = { bus, exit: false, env: cloudEnv(server.url), logger: captureLogger().logger };

    const first = await runStructure(() => "one", options);
    expect(bus.eventListeners).toHaveLength(1);
    const second = await runStructure(({ publishEvent }) => {
      publishEvent({ type: "TextChunkEvent", token: "t", index: 0 });
      return "two";
    }, options);
    expect(bus.eventListeners).toHaveLength(1);

    expect(first).toMatchObject({ delivered: true, report: { sent: 2, failed: 0, dropped: 0 } });
    // Run 1's shut-down driver is gone: nothing of run 2 is dropped.
    expect(second).toMatchObject({ delivered: true, report: { sent: 3, failed: 0, dropped: 0 } });
    const outputs = (server.events(RUN_ID) as { type: string; output_task_output?: { value: unknown } }[])
      .filter((e) => e.type === "FinishStructureRunEvent")
      .map((e) => e.output_task_output?.value);
    expect(outputs).toEqual(["one", "two"]);
    // The caller's driver saw both runs and was flushed, not shut down.
    expect(mine.events.map((e) => e.type)).toEqual([
      "StartStructureRunEvent",
      "FinishStructureRunEvent",
      "StartStructureRunEvent",
      "TextChunkEvent",
      "FinishStructureRunEvent",
    ]);
    bus.publishEvent({ type: "After" });
    expect(mine.events.at(-1)?.type).toBe("After");
  });

  it("a second runStructure after one that ended the process fails visibly", async () => {
    server = await startFaultServer({ apiKey: API_KEY });
    const { done } = spawnTs(TWICE, [], { env: { ...cleanEnv(), ...cloudEnv(server.url) } });
    const finished = await done;
    expect(finished.code).toBe(1);
    expect(finished.stdout).toContain("the first run resolved");
    expect(finished.stdout).not.toContain("the second run resolved");
    expect(finished.stderr).toContain("runStructure cannot start: an earlier run ended the process");
    expect(finished.stderr).toContain("ERR_SHUT_DOWN");
    const finishes = (server.events(RUN_ID) as { type: string }[]).filter((e) => e.type === "FinishStructureRunEvent");
    expect(finishes).toHaveLength(1);
  });
});
