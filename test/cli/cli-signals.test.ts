// Ctrl-C and process lifetime of `run`, with real child processes: the CLI, a wrapper (npx, sh) and a structure,
// each in its own process. A test asserts what a user sees (exit code, SYSTEM events) and that no process of the
// structure's group outlives the CLI.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type EventDetail, EventDetailSchema } from "../../src/local.js";
import { within } from "../runtime/emulator-harness.js";
import type { Spawned } from "../support/child-processes.js";
import { cli, onCleanup, ROOT } from "../support/cli-process.js";
import { groupGone, killGroup } from "../support/process-groups.js";

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sre-signals-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function jsonLines(stdout: string): EventDetail[] {
  return stdout
    .trim()
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => EventDetailSchema.parse(JSON.parse(line)));
}

/**
 * A structure that publishes its process group, then waits for the abort. `ignoreSignals`: it also ignores
 * SIGINT and SIGTERM at the process level (runStructure's hooks still see them), so only a SIGKILL ends it.
 */
function waitingStructure(dir: string, ignoreSignals = false): string {
  const file = join(dir, "waits.mts");
  writeFileSync(
    file,
    `import { readFileSync } from "node:fs";
import { runStructure } from ${JSON.stringify(join(ROOT, "src/index.js"))};
const stat = readFileSync("/proc/self/stat", "utf8");
const pgid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
${ignoreSignals ? 'process.on("SIGINT", () => {}); process.on("SIGTERM", () => {});' : ""}
await runStructure(async ({ publishEvent, signal }) => {
  publishEvent({ type: "Waiting", pgid });
  const work = setInterval(() => {}, 1000);
  await new Promise((resolve) => signal.addEventListener("abort", resolve));
  ${ignoreSignals ? "await new Promise(() => {});" : ""}
  clearInterval(work);
  publishEvent({ type: "Aborted", n: 1 });
  return "stopped";
});
`,
  );
  return file;
}

/** Resolves with the structure's process group once its "Waiting" event is on the CLI's stdout. */
function waitingPgid(spawned: Spawned): Promise<number> {
  return new Promise((resolve) => {
    let seen = "";
    spawned.child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /"type":"Waiting"[^\n]*"pgid":(\d+)/.exec(seen);
      if (match !== null) {
        const pgid = Number(match[1]);
        onCleanup(() => killGroup(pgid));
        resolve(pgid);
      }
    });
  });
}

async function expectCancelledWithGrace(done: Promise<{ code: number | null; stdout: string }>): Promise<void> {
  const { code, stdout } = await within(30_000, done, "the CLI after Ctrl-C");
  expect(code).toBe(130);
  const events = jsonLines(stdout);
  expect(events.at(-1)?.payload).toMatchObject({ status: "CANCELLED" });
  // One SIGINT reached the structure: runStructure's grace period ran, so the entry saw the abort and its
  // last event precedes the Finish event.
  const types = events.map((e) => e.type);
  expect(types).toContain("Aborted");
  expect(types.indexOf("Aborted")).toBeLessThan(types.indexOf("FinishStructureRunEvent"));
}

describe("run: Ctrl-C reaches the structure whatever wraps it", () => {
  it("run -- npx tsx structure.mts: one Ctrl-C cancels with the grace period, and no process of the group survives", async () => {
    const script = waitingStructure(tempDir());
    const spawned = cli(["run", "--json", "--", "npx", "tsx", script]);
    const pgid = await within(30_000, waitingPgid(spawned), "the structure's Waiting event");
    spawned.child.kill("SIGINT");
    await expectCancelledWithGrace(spawned.done);
    expect(await groupGone(pgid)).toEqual([]);
  });

  it("run -- sh -c '…': one Ctrl-C cancels with the grace period, and no process of the group survives", async () => {
    const script = waitingStructure(tempDir());
    // "; true" keeps the shell as the structure's parent, rather than exec-ing into node.
    const spawned = cli(["run", "--json", "--", "sh", "-c", `node --import tsx ${script}; true`]);
    const pgid = await within(30_000, waitingPgid(spawned), "the structure's Waiting event");
    spawned.child.kill("SIGINT");
    await expectCancelledWithGrace(spawned.done);
    expect(await groupGone(pgid)).toEqual([]);
  });

  it("a structure that ignores Ctrl-C: the third Ctrl-C kills its whole group and the CLI ends", async () => {
    const script = waitingStructure(tempDir(), true);
    const spawned = cli(["run", "--json", "--", "sh", "-c", `node --import tsx ${script}; true`]);
    const pgid = await within(30_000, waitingPgid(spawned), "the structure's Waiting event");
    for (let i = 0; i < 3; i++) {
      spawned.child.kill("SIGINT");
      // Each Ctrl-C must be handled on its own, as a person's three presses would be.
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const { code, stdout } = await within(15_000, spawned.done, "the CLI after the third Ctrl-C");
    expect(code).not.toBe(0);
    expect(jsonLines(stdout).at(-1)?.payload).toMatchObject({ status: "CANCELLED" });
    expect(await groupGone(pgid)).toEqual([]);
  });

  it("SIGTERM to the CLI cancels the run the same way", async () => {
    const script = waitingStructure(tempDir());
    const spawned = cli(["run", "--json", "--", "sh", "-c", `node --import tsx ${script}; true`]);
    const pgid = await within(30_000, waitingPgid(spawned), "the structure's Waiting event");
    spawned.child.kill("SIGTERM");
    const { code, stdout } = await within(30_000, spawned.done, "the CLI after SIGTERM");
    expect(code).toBe(143);
    expect(jsonLines(stdout).at(-1)?.payload).toMatchObject({ status: "CANCELLED" });
    expect(await groupGone(pgid)).toEqual([]);
  });
});

describe("run ends when the structure's process exits", () => {
  it("run -- sh -c 'sleep 15 & exit 0' ends at once, SUCCEEDED, and the sleep left behind is ended", async () => {
    const spawned = cli(["run", "--json", "--", "sh", "-c", 'echo "pgid $$" >&2; sleep 15 & exit 0']);
    const { code, stdout, stderr } = await within(8_000, spawned.done, "run of a structure that left a sleep");
    expect(code).toBe(0);
    expect(jsonLines(stdout).at(-1)?.payload).toMatchObject({ status: "SUCCEEDED" });
    const pgid = Number(/pgid (\d+)/.exec(stderr)?.[1]);
    onCleanup(() => killGroup(pgid));
    expect(pgid).toBeGreaterThan(1);
    expect(await groupGone(pgid)).toEqual([]);
  });

  it("the structure's last output line still comes before the end of the run", async () => {
    const spawned = cli(["run", "--", "sh", "-c", "echo one; echo two >&2; echo last-line"]);
    const { code, stdout, stderr } = await within(15_000, spawned.done, "run of an echoing structure");
    expect(code).toBe(0);
    expect(stderr).toContain("last-line");
    expect(stdout).toContain("SUCCEEDED");
  });
});
