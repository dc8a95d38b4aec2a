import { afterEach, describe, expect, it } from "vitest";
import { EventsApiEmulator, startLocalRun } from "../../src/index.js";

let emulator: EventsApiEmulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function started(): Promise<EventsApiEmulator> {
  emulator = new EventsApiEmulator();
  await emulator.start();
  return emulator;
}

describe("startLocalRun", () => {
  it("a command that cannot start ends the run as ERROR once, and nothing follows", async () => {
    const e = await started();
    const local = startLocalRun({ emulator: e, command: "no-such-command-xyz", stdout: "ignore", stderr: "ignore" });
    const result = await local.done;
    // Node emits "close" after the spawn error: it must not record a second terminal event (or throw).
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(result).toMatchObject({ exitCode: 127, status: "ERROR" });
    expect(e.events(local.run.structure_run_id).map((ev) => ev.type)).toEqual([
      "StructureRunStarting",
      "StructureRunError",
    ]);
    expect(e.getRun(local.run.structure_run_id)?.status).toBe("ERROR");
  });

  it("passes the three GT_CLOUD_* variables and the run's env vars, and hands the output to a function", async () => {
    const e = await started();
    const run = e.createRun({ args: [], envVars: { EXTRA: "yes" } });
    let out = "";
    const local = startLocalRun({
      emulator: e,
      run,
      command: process.execPath,
      args: [
        "-e",
        "const v = process.env; console.log([v.GT_CLOUD_STRUCTURE_RUN_ID, v.GT_CLOUD_BASE_URL, v.GT_CLOUD_API_KEY, v.EXTRA].join(' ')); process.exit(3)",
      ],
      stdout: (chunk) => {
        out += chunk.toString();
      },
      stderr: "ignore",
    });
    const result = await local.done;
    expect(out.trim()).toBe(`${run.structure_run_id} ${e.url} ${run.apiKey} yes`);
    expect(result).toMatchObject({ exitCode: 3, status: "FAILED" });
    expect(e.events(run.structure_run_id).map((ev) => (ev.payload as { status: string }).status)).toEqual([
      "STARTING",
      "RUNNING",
      "FAILED",
    ]);
  });
});
