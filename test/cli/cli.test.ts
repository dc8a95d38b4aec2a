import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type EventDetail, EventDetailSchema, EventsApiEmulator } from "../../src/local.js";
import { formatSystemTime } from "../../src/runtime/clock.js";
import { cleanEnv, spawnTs, waitForStdout } from "../support/child-processes.js";
import { cli, FAILING, HELLO, onCleanup, ROOT } from "../support/cli-process.js";

function jsonLines(stdout: string): EventDetail[] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => EventDetailSchema.parse(JSON.parse(line)));
}

function systemStatuses(events: EventDetail[]): string[] {
  return events.filter((e) => e.origin === "SYSTEM").map((e) => (e.payload as { status: string }).status);
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sre-cli-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("structure-run-events run", () => {
  it("runs the example: live view, SYSTEM order, output in the summary, exit 0", async () => {
    const { code, stdout } = await cli(["run", "--", ...HELLO, "what", "is", "up"]).done;
    expect(code).toBe(0);
    const starting = stdout.indexOf("● STARTING");
    const running = stdout.indexOf("● RUNNING");
    const succeeded = stdout.indexOf("● SUCCEEDED");
    expect(starting).toBeGreaterThanOrEqual(0);
    expect(running).toBeGreaterThan(starting);
    expect(succeeded).toBeGreaterThan(running);
    // Token chunks are streamed as text, not one line per chunk.
    expect(stdout).toContain("echo: what is up\n");
    expect(stdout).toMatch(/output\s+"echo: what is up"/);
    expect(stdout).toMatch(/status\s+SUCCEEDED \(exit code 0\)/);
  });

  it("--json prints exactly one EventDetail per line, SYSTEM and USER alike, nothing else", async () => {
    const dir = tempDir();
    const file = join(dir, "events.ndjson");
    const { code, stdout } = await cli(["run", "--json", "--events-file", file, "--", ...HELLO, "hi"]).done;
    expect(code).toBe(0);
    const events = jsonLines(stdout);
    expect(systemStatuses(events)).toEqual(["STARTING", "RUNNING", "SUCCEEDED"]);
    expect(events[0]?.type).toBe("StructureRunStarting");
    expect(events[1]?.type).toBe("StructureRunRunning");
    expect(events.at(-1)?.type).toBe("StructureRunCompleted");
    const user = events.filter((e) => e.origin === "USER");
    expect(user.at(-1)?.type).toBe("FinishStructureRunEvent");
    expect(user.map((e) => e.type)).toContain("TextChunkEvent");
    expect(new Set(events.map((e) => e.structure_run)).size).toBe(1);
    // The events file holds the same EventDetails.
    const fromFile = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as EventDetail);
    expect(fromFile).toEqual(events);
  });

  it("a failing structure: FAILED with its exit code, ErrorArtifact output, the CLI exits 1", async () => {
    const { code, stdout, stderr } = await cli(["run", "--json", "--", ...FAILING]).done;
    expect(code).toBe(1);
    expect(stderr).toContain("the search tool is unavailable");
    const events = jsonLines(stdout);
    const completed = events.at(-1)!;
    expect(completed.payload).toMatchObject({ status: "FAILED", status_detail: { exit_code: 1 } });
    const finish = events.find((e) => e.type === "FinishStructureRunEvent");
    expect(finish?.payload).toMatchObject({
      output_task_output: { type: "ErrorArtifact", value: "the search tool is unavailable" },
    });
  });

  it("a command that does not exist: StructureRunError, exit 127", async () => {
    const { code, stdout } = await cli(["run", "--json", "--", "no-such-command-xyz"]).done;
    expect(code).toBe(127);
    const events = jsonLines(stdout);
    expect(events.map((e) => e.type)).toEqual(["StructureRunStarting", "StructureRunError"]);
    expect(events[1]?.payload).toMatchObject({
      status: "ERROR",
      status_detail: { error: "command not found: no-such-command-xyz" },
    });
  });

  it("a structure killed by a signal: FAILED, exit code 128 + n", async () => {
    const dir = tempDir();
    const script = join(dir, "self-kill.mjs");
    writeFileSync(script, 'setTimeout(() => process.kill(process.pid, "SIGKILL"), 20);\n');
    const { code, stdout } = await cli(["run", "--json", "--", "node", script]).done;
    expect(code).toBe(137);
    expect(jsonLines(stdout).at(-1)?.payload).toMatchObject({
      status: "FAILED",
      status_detail: { exit_code: 137, message: "killed by SIGKILL" },
    });
  });

  it("Ctrl-C: the structure gets SIGINT once, the run ends CANCELLED, exit 130", async () => {
    const dir = tempDir();
    const script = join(dir, "waits.mts");
    writeFileSync(
      script,
      `import { runStructure } from ${JSON.stringify(join(ROOT, "src/index.js"))};
await runStructure(async ({ publishEvent, signal }) => {
  publishEvent({ type: "Waiting", n: 1 });
  // Something to wait on, as a real structure would have (a model call): a bare promise would let the event
  // loop empty, which runStructure rightly reports as a stalled entry.
  const work = setInterval(() => {}, 1000);
  await new Promise((resolve) => signal.addEventListener("abort", resolve));
  clearInterval(work);
  publishEvent({ type: "Aborted", n: 1 });
  return "stopped";
});
`,
    );
    const { child, done } = cli(["run", "--json", "--", "node", "--import", "tsx", script]);
    await waitForStdout(child, '"Waiting"');
    child.kill("SIGINT");
    const { code, stdout } = await done;
    expect(code).toBe(130);
    const events = jsonLines(stdout);
    expect(events.at(-1)?.payload).toMatchObject({ status: "CANCELLED", status_detail: { exit_code: 130 } });
    // The structure saw the abort (one SIGINT: runStructure's grace period ran) before its Finish event.
    const types = events.map((e) => e.type);
    expect(types.indexOf("Aborted")).toBeGreaterThan(0);
    expect(types.indexOf("Aborted")).toBeLessThan(types.indexOf("FinishStructureRunEvent"));
  });

  it("bad flags: a clear message and exit 2", async () => {
    const unknown = await cli(["run", "--prot", "1", "--", "node"]).done;
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--prot");
    expect(unknown.stderr).toContain("Usage:");
    const noCommand = await cli(["run"]).done;
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toContain("run needs a command after --");
  });
});

describe("structure-run-events serve and tail", () => {
  it("serve with a command: the example client creates a run over HTTP and follows it to SUCCEEDED", async () => {
    const serve = cli(["serve", "--port", "0", "--", ...HELLO]);
    const banner = await new Promise<string>((resolve) => {
      let seen = "";
      serve.child.stdout?.on("data", (c: Buffer) => {
        seen += c.toString();
        if (seen.includes("API key:")) resolve(seen);
      });
    });
    const url = /listening on (\S+)/.exec(banner)?.[1];
    const key = /API key: (\S+)/.exec(banner)?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const env = { ...cleanEnv(), GT_CLOUD_BASE_URL: url, GT_CLOUD_API_KEY: key };
    const client = await spawnTs(join(ROOT, "examples/client.ts"), ["my-structure", "ping"], { env, cwd: ROOT }).done;
    expect(client.code).toBe(0);
    const out = client.stdout;
    expect(out).toContain("[SYSTEM] StructureRunStarting");
    expect(out).toContain("echo: ping");
    expect(out).toContain("status: SUCCEEDED");
    expect(out).toContain('"value":"echo: ping"');
    serve.child.kill("SIGINT");
    expect((await serve.done).code).toBe(0);
  });

  it("tail follows a run from any base URL until its terminal event", async () => {
    const emulator = new EventsApiEmulator();
    await emulator.start();
    onCleanup(() => emulator.close());
    const run = emulator.createRun({ args: [] });
    const runId = run.structure_run_id;
    emulator.recordSystemEvent(runId, "StructureRunStarting", { status: "STARTING" });
    const startedAt = formatSystemTime();
    emulator.recordSystemEvent(runId, "StructureRunRunning", { status: "RUNNING", started_at: startedAt });
    const env = { ...cleanEnv(), GT_CLOUD_API_KEY: emulator.apiKey };
    const tail = cli(["tail", runId, "--base-url", emulator.url, "--json"], env);
    // Live events after tail connected, then the end of the run.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const post = await fetch(`${emulator.url}/api/structure-runs/${runId}/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${run.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify([
        { payload: { type: "TextChunkEvent", id: "a".repeat(32), token: "hi" }, timestamp: 1, type: "TextChunkEvent" },
      ]),
    });
    expect(post.status).toBe(202);
    emulator.recordSystemEvent(runId, "StructureRunCompleted", {
      status: "SUCCEEDED",
      started_at: startedAt,
      completed_at: formatSystemTime(),
      status_detail: { reason: "Completed", message: null, exit_code: 0 },
    });
    const { code, stdout } = await tail.done;
    expect(code).toBe(0);
    expect(jsonLines(stdout).map((e) => e.type)).toEqual([
      "StructureRunStarting",
      "StructureRunRunning",
      "TextChunkEvent",
      "StructureRunCompleted",
    ]);
  });

  it("tail without a key says how to give one", async () => {
    const { code, stderr } = await cli(["tail", "some-run"]).done;
    expect(code).toBe(2);
    expect(stderr).toContain("GT_CLOUD_API_KEY");
  });
});
