import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  cleanEnv,
  type Finished,
  killChildren,
  type Spawned,
  spawnTs,
  waitForStdout,
} from "../support/child-processes.js";
import { type FaultServer, startFaultServer } from "../support/fault-server.js";

const STRUCTURE = fileURLToPath(new URL("./structures/structure.ts", import.meta.url));
const API_KEY = "sk-test-0123456789-secret";
const RUN_ID = "run-exit-paths";

interface WireEvent {
  type: string;
  id: string;
  index?: number;
  output_task_output?: { type: string; value: unknown } | null;
  meta?: Record<string, unknown>;
}

let server: FaultServer | undefined;

afterEach(async () => {
  killChildren();
  await server?.close();
  server = undefined;
});

function start(args: string[], env: NodeJS.ProcessEnv): Spawned {
  return spawnTs(STRUCTURE, args, { env });
}

function cloudEnv(s: FaultServer, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...cleanEnv(),
    GT_CLOUD_STRUCTURE_RUN_ID: RUN_ID,
    GT_CLOUD_API_KEY: API_KEY,
    GT_CLOUD_BASE_URL: s.url,
    GT_EVENTS_RETRY_INITIAL_DELAY_MS: "5",
    GT_EVENTS_RETRY_MAX_DELAY_MS: "50",
    ...extra,
  };
}

/** Distinct events in order of first arrival (a retried batch may arrive twice). */
function firstArrivals(s: FaultServer): WireEvent[] {
  const seen = new Set<string>();
  const out: WireEvent[] = [];
  for (const event of s.events(RUN_ID) as WireEvent[]) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    out.push(event);
  }
  return out;
}

/** The guarantees of docs/run-structure.md that hold on every path; returns the Finish event. */
function expectDelivered(s: FaultServer, finished: Finished, chunks: number): WireEvent {
  const events = firstArrivals(s);
  const finishes = events.filter((e) => e.type === "FinishStructureRunEvent");
  expect(finishes).toHaveLength(1);
  const finish = finishes[0]!;
  // Exactly one distinct Finish, and after every event published before it.
  expect(events.at(-1)).toBe(finish);
  const indexes = events.filter((e) => e.type === "TextChunkEvent").map((e) => e.index);
  expect(indexes).toEqual([...Array(chunks).keys()]);
  expect(events[0]?.type).toBe("StartStructureRunEvent");
  // The key never reaches the structure's output or its logs.
  expect(finished.stdout + finished.stderr).not.toContain(API_KEY);
  return finish;
}

const servers = {
  healthy: async () => startFaultServer({ apiKey: API_KEY }),
  flaky: async () => {
    const s = await startFaultServer({ apiKey: API_KEY });
    s.setFaultRate(0.3, [{ kind: "status", status: 503 }, { kind: "status", status: 500 }, { kind: "reset" }], 11);
    return s;
  },
  slow: async () => {
    const s = await startFaultServer({ apiKey: API_KEY });
    s.setFaultRate(1, [{ kind: "delay", ms: 150 }], 3);
    return s;
  },
};

describe.each(Object.entries(servers))("runStructure exit paths, %s server", (_name, makeServer) => {
  it("entry returns: output is the JsonArtifact of the value, exit 0", async () => {
    server = await makeServer();
    const finished = await start(["return", "30"], cloudEnv(server)).done;
    expect(finished.code).toBe(0);
    const finish = expectDelivered(server, finished, 30);
    expect(finish.output_task_output).toMatchObject({ type: "JsonArtifact", value: { answer: 42, mode: "return" } });
  });

  it("entry throws: ErrorArtifact, exit 1, the error on stderr", async () => {
    server = await makeServer();
    const finished = await start(["throw"], cloudEnv(server)).done;
    expect(finished.code).toBe(1);
    expect(finished.stderr).toContain("boom from the entry");
    const finish = expectDelivered(server, finished, 20);
    expect(finish.output_task_output).toMatchObject({ type: "ErrorArtifact", value: "boom from the entry" });
  });

  it("process.exit(n) in user code: events still delivered synchronously, exit code kept", async () => {
    server = await makeServer();
    const finished = await start(["exit", "50"], cloudEnv(server)).done;
    expect(finished.code).toBe(7);
    const finish = expectDelivered(server, finished, 50);
    expect(finish.output_task_output?.type).toBe("ErrorArtifact");
    expect(String(finish.output_task_output?.value)).toContain("code 7");
  });

  it("SIGTERM: the signal aborts first, a grace period, ErrorArtifact, exit 143", async () => {
    server = await makeServer();
    const { child, done } = start(["signal"], cloudEnv(server));
    await waitForStdout(child, "ready");
    child.kill("SIGTERM");
    const finished = await done;
    expect(finished.code).toBe(143);
    const finish = expectDelivered(server, finished, 20);
    expect(finish.output_task_output).toMatchObject({ type: "ErrorArtifact", value: "terminated by SIGTERM" });
    const types = firstArrivals(server).map((e) => e.type);
    expect(types.indexOf("AbortSeen")).toBeGreaterThan(0);
    expect(types.indexOf("AbortSeen")).toBeLessThan(types.indexOf("FinishStructureRunEvent"));
  });
});

describe("runStructure exit paths", () => {
  it("entry rejects: ErrorArtifact, exit 1", async () => {
    server = await servers.healthy();
    const finished = await start(["reject"], cloudEnv(server)).done;
    expect(finished.code).toBe(1);
    expect(finished.stderr).toContain("rejected from the entry");
    expect(expectDelivered(server, finished, 20).output_task_output).toMatchObject({
      type: "ErrorArtifact",
      value: "rejected from the entry",
    });
  });

  it("SIGINT: exit 130", async () => {
    server = await servers.healthy();
    const { child, done } = start(["signal"], cloudEnv(server));
    await waitForStdout(child, "ready");
    child.kill("SIGINT");
    const finished = await done;
    expect(finished.code).toBe(130);
    expect(expectDelivered(server, finished, 20).output_task_output).toMatchObject({ value: "terminated by SIGINT" });
  });

  it("an entry that ignores the signal is ended after the grace period", async () => {
    server = await servers.healthy();
    const { child, done } = start(["ignore-signal"], cloudEnv(server, { GT_EVENTS_SIGNAL_GRACE_MS: "300" }));
    await waitForStdout(child, "ready");
    child.kill("SIGTERM");
    const finished = await done;
    expect(finished.code).toBe(143);
    expectDelivered(server, finished, 20);
  });

  it("uncaught exception: ErrorArtifact, exit 1", async () => {
    server = await servers.flaky();
    const finished = await start(["uncaught"], cloudEnv(server)).done;
    expect(finished.code).toBe(1);
    expect(finished.stderr).toContain("uncaught in a timer");
    expect(expectDelivered(server, finished, 20).output_task_output).toMatchObject({
      type: "ErrorArtifact",
      value: "uncaught in a timer",
    });
  });

  it("unhandled rejection: ErrorArtifact, exit 1", async () => {
    server = await servers.flaky();
    const finished = await start(["unhandled"], cloudEnv(server)).done;
    expect(finished.code).toBe(1);
    expect(expectDelivered(server, finished, 20).output_task_output).toMatchObject({
      type: "ErrorArtifact",
      value: "nobody handles this",
    });
  });

  it('`throw "a string"`: the string is the ErrorArtifact\'s value; stderr says it is not an Error', async () => {
    server = await servers.healthy();
    const finished = await start(["throw-string"], cloudEnv(server)).done;
    expect(finished.code).toBe(1);
    expect(finished.stderr).toContain('"a string" (thrown, not an Error)');
    expect(finished.stderr).not.toContain("Error: a string");
    expect(expectDelivered(server, finished, 20).output_task_output).toMatchObject({
      type: "ErrorArtifact",
      value: "a string",
    });
  });

  it("process.exit after awaiting: the later event and the Finish event arrive", async () => {
    server = await servers.slow();
    const finished = await start(["exit-later"], cloudEnv(server)).done;
    expect(finished.code).toBe(3);
    expectDelivered(server, finished, 20);
    expect(firstArrivals(server).map((e) => e.type)).toContain("BeforeExit");
  });

  it("the event loop empties while the entry never settles: ErrorArtifact, exit 1, one line on stderr", async () => {
    server = await servers.healthy();
    const finished = await start(["stall"], cloudEnv(server)).done;
    expect(finished.code).toBe(1);
    expect(String(expectDelivered(server, finished, 20).output_task_output?.value)).toContain("never resolves");
    // The library's own sentence, not a stack from inside it (`at Object.onBeforeExit (…run-structure…)`).
    expect(finished.stderr.split("\n").filter((line) => line !== "")).toEqual([
      "structure-run-events: the event loop emptied while the entry had not settled: it awaits a promise that never resolves",
    ]);
  });

  it("process.exit(0) before the entry finished: no output of its own is a failure, exit 1 and one sentence", async () => {
    server = await servers.healthy();
    const finished = await start(["exit-zero", "5"], cloudEnv(server)).done;
    expect(finished.code).toBe(1);
    const finish = expectDelivered(server, finished, 5);
    expect(finish.output_task_output).toMatchObject({
      type: "ErrorArtifact",
      value: "the process exited with code 0 before the structure finished",
    });
    expect(finished.stderr.split("\n").filter((line) => line !== "")).toEqual([
      "structure-run-events: the process exited with code 0 before the structure finished, so it has no output: exit code 1.",
    ]);
  });

  it("process.exit(0) after the code published its own Finish event: that is its output, exit 0", async () => {
    server = await servers.healthy();
    const finished = await start(["own-finish-exit-zero", "5"], cloudEnv(server)).done;
    expect(finished.code).toBe(0);
    expect(expectDelivered(server, finished, 5).meta).toEqual({ mine: true });
    expect(finished.stderr).toBe("");
  });

  it("a Finish event published by the code itself is the only one", async () => {
    server = await servers.healthy();
    const finished = await start(["own-finish"], cloudEnv(server)).done;
    expect(finished.code).toBe(0);
    expect(expectDelivered(server, finished, 20).meta).toEqual({ mine: true });
  });

  it("ends with the right code even when user code left handles open", async () => {
    server = await servers.healthy();
    const finished = await start(["open-handles"], cloudEnv(server)).done;
    expect(finished.code).toBe(0);
    expect(expectDelivered(server, finished, 20).output_task_output).toMatchObject({ value: "done despite handles" });
  });

  it("a handler the user installed still runs", async () => {
    server = await servers.healthy();
    const finished = await start(["user-handler"], cloudEnv(server)).done;
    expect(finished.code).toBe(1);
    expect(finished.stderr).toContain("user handler ran");
    expectDelivered(server, finished, 20);
  });

  it("an output too large for the wire becomes an ErrorArtifact, exit 1", async () => {
    server = await servers.healthy();
    const finished = await start(["big-output"], cloudEnv(server)).done;
    expect(finished.code).toBe(1);
    expect(String(expectDelivered(server, finished, 20).output_task_output?.value)).toContain("could not be sent");
  });

  it("the delivery deadline (GT_EVENTS_SHUTDOWN_TIMEOUT_MS) bounds the exit when the API hangs, and fails the run", async () => {
    server = await servers.healthy();
    server.setDown(true, { kind: "hang" });
    const started = performance.now();
    const finished = await start(["return-text", "3"], cloudEnv(server, { GT_EVENTS_SHUTDOWN_TIMEOUT_MS: "500" })).done;
    // Well before the default 10 s deadline; the output was lost, so the run failed, and says why.
    expect(finished.code).toBe(1);
    expect(performance.now() - started).toBeLessThan(8000);
    expect(finished.stderr).toContain("the run's output did not reach the Events API");
    expect(finished.stderr).toContain("GT_EVENTS_SHUTDOWN_TIMEOUT_MS");
    expect(finished.stderr).not.toContain(API_KEY);
  });

  it("runs with no GT_* variables and prints its events locally", async () => {
    const finished = await start(["return-text", "3"], cleanEnv()).done;
    expect(finished.code).toBe(0);
    expect(finished.stderr).toContain("StartStructureRunEvent");
    expect(finished.stderr).toContain("t0t1t2");
    expect(finished.stderr).toMatch(/FinishStructureRunEvent output "hello"/);
  });
});
