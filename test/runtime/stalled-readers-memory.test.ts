// SSE backpressure, measured where it matters: the emulator alone in a child process, readers on real sockets
// that never read, and that process's peak RSS. A bound on memory, not a timing: the bound is generous (the
// excess over the same run without readers must stay under the volume posted), and the fault it guards against
// (every stalled reader buffering every event) overshoots it several times.

import type { Socket } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { cleanEnv, killChildren, spawnTs } from "../support/child-processes.js";
import { within } from "./emulator-harness.js";
import { openSocket } from "./raw-http.js";

const SCRIPT = fileURLToPath(new URL("../support/emulator-process.ts", import.meta.url));
/** What is posted: ~40 MB either way, as many small events (streams) or a few large ones (pages). */
interface Load {
  batches: number;
  eventsPerBatch: number;
  pad: number;
}
const SMALL_EVENTS: Load = { batches: 40, eventsPerBatch: 500, pad: 2_000 };
// A page of these is ~40 MB, far more than a loopback socket's kernel buffers take: what the reader does not
// read stays in the emulator's process unless it is written at the reader's pace.
const LARGE_EVENTS: Load = { batches: 20, eventsPerBatch: 2, pad: 1_000_000 };

afterEach(() => killChildren());

/**
 * Posts ~40 MB to an emulator in a child process with `readers` stalled readers: event streams opened before
 * the posts, or requests for the largest page of events sent after them. The emulator process's peak RSS.
 */
async function peakRss(
  readers: number,
  route: "stream" | "page" | "run" = "stream",
  { batches, eventsPerBatch, pad }: Load = SMALL_EVENTS,
): Promise<{ peak: number; posted: number; readersHold: number }> {
  // A run resource of 20 MB needs a larger body limit than the 4 MiB default.
  const env = route === "run" ? { ...cleanEnv(), MAX_BODY_BYTES: String(32 * 2 ** 20) } : cleanEnv();
  const child = spawnTs(SCRIPT, [], { env, cwd: join(SCRIPT, "../../..") });
  const ready = await within(
    20_000,
    new Promise<string[]>((resolve) => {
      let seen = "";
      child.child.stdout?.on("data", (c: Buffer) => {
        seen += c.toString();
        const line = /READY (\S+) (\S+) (\S+) (\S+)\n/.exec(seen);
        if (line !== null) resolve(line.slice(1));
      });
    }),
    "the emulator process",
  );
  const [url, masterKey, runId, runKey] = ready as [string, string, string, string];
  const sockets: Socket[] = [];
  const stall = async (path: string): Promise<void> => {
    const socket = await openSocket(url);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${masterKey}\r\n\r\n`);
    socket.on("error", () => undefined);
    // The stream must really be open (a refused reader would make the measurement vacuous); then it stops reading.
    const head = await within(
      10_000,
      new Promise<string>((resolve) => socket.once("data", (c: Buffer) => resolve(c.toString("latin1")))),
      "the stream's response head",
    );
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    socket.pause();
    sockets.push(socket);
  };
  if (route === "stream") for (let i = 0; i < readers; i++) await stall(`/api/structure-runs/${runId}/events/stream`);
  const body = `[${Array.from(
    { length: eventsPerBatch },
    (_, i) =>
      `{"payload":{"type":"E","id":"${i.toString(16).padStart(32, "0")}","pad":"${"p".repeat(pad)}"},"timestamp":1,"type":"E"}`,
  ).join(",")}]`;
  for (let i = 0; i < batches; i++) {
    const res = await fetch(`${url}/api/structure-runs/${runId}/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${runKey}`, "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(202);
    await res.arrayBuffer();
  }
  let stdout = "";
  child.child.stdout?.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  /** Writes `command` to the child and resolves with the number of the first line matching `pattern` after it. */
  const ask = async (command: string, pattern: RegExp): Promise<number> => {
    const from = stdout.length;
    child.child.stdin?.write(`${command}\n`);
    return within(
      20_000,
      new Promise<number>((resolve) => {
        const check = (): void => {
          const line = pattern.exec(stdout.slice(from));
          if (line === null) return;
          child.child.stdout?.off("data", check);
          resolve(Number(line[1]));
        };
        child.child.stdout?.on("data", check);
        check();
      }),
      `the answer to ${command}`,
    );
  };
  if (route === "run") {
    // The run's output: 20 MB, far more than loopback's kernel buffers take, which every reader of the run gets.
    const output = { type: "TextArtifact", id: "0".repeat(32), value: "x".repeat(20_000_000) };
    const finish = { type: "FinishStructureRunEvent", id: "f".repeat(32), output_task_output: output };
    const res = await fetch(`${url}/api/structure-runs/${runId}/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${runKey}`, "content-type": "application/json" },
      body: JSON.stringify([{ payload: finish, timestamp: 1, type: finish.type }]),
    });
    expect(res.status).toBe(202);
  }
  const before = await ask("held", /HELD (\d+)\n/);
  if (route === "page") for (let i = 0; i < readers; i++) await stall(`/api/structure-runs/${runId}/events?limit=1000`);
  if (route === "run") for (let i = 0; i < readers; i++) await stall(`/api/structure-runs/${runId}`);
  const after = await ask("held", /HELD (\d+)\n/);
  const peak = await ask("report", /PEAK_RSS (\d+)\n/);
  for (const socket of sockets) socket.destroy();
  await child.done;
  return { peak, posted: batches * body.length, readersHold: after - before };
}

describe("event streams respect backpressure", () => {
  it("five readers that never read add less than the posted volume to the emulator's peak RSS", async () => {
    const alone = await peakRss(0);
    const stalled = await peakRss(5);
    const excess = stalled.peak - alone.peak;
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    // Printed for the record of a run; the assertion is the generous bound below.
    console.log(
      `posted ${mib(stalled.posted)}; peak RSS without readers ${mib(alone.peak)}, with 5 stalled ${mib(stalled.peak)}`,
    );
    expect(excess).toBeLessThan(stalled.posted);
  }, 120_000);
});

describe("pages of events respect backpressure", () => {
  // What the emulator holds (heap after a collection, plus buffers) just before and after the readers ask, in its
  // own process. Written at once, each stalled reader's page (~40 MB) stayed queued on its socket: 5 readers held
  // ~200 MB. Written at the reader's pace, a reader holds at most the one stored string being written.
  it("five readers of a ~40 MB page that never read hold less than half the posted volume", async () => {
    const { readersHold, posted } = await peakRss(5, "page", LARGE_EVENTS);
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    console.log(`posted ${mib(posted)}; 5 stalled readers of the whole run's page hold ${mib(readersHold)}`);
    expect(readersHold).toBeLessThan(posted / 2);
  }, 120_000);
});

describe("the run resource respects backpressure", () => {
  // Written at once, each request serialised the run (its 20 MB output) afresh and the copy stayed queued on the
  // socket of a reader that does not read. Now the run's JSON is made once per change, shared, and written in
  // slices at each reader's pace: the readers hold that one string (20 MB) and their sockets' buffers.
  it("ten readers of a run with a 20 MB output that never read hold less than the output twice over", async () => {
    const { readersHold } = await peakRss(10, "run", { batches: 0, eventsPerBatch: 1, pad: 0 });
    console.log(`10 stalled readers of a run with a 20 MB output hold ${(readersHold / 2 ** 20).toFixed(1)} MiB`);
    expect(readersHold).toBeLessThan(40_000_000);
  }, 120_000);
});
