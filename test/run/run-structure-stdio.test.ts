import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { cleanEnv, killChildren, spawnTs } from "../support/child-processes.js";

const MANY_LINES = fileURLToPath(new URL("./structures/many-lines.ts", import.meta.url));
const LINES = 20_000;

afterEach(() => killChildren());

function countLines(text: string): number {
  return text.split("\n").filter((line) => line.startsWith("line ")).length;
}

describe("runStructure: what the structure printed reaches a slow reader before the process exits", () => {
  it("a reader that pauses ~1 s gets all 20,000 lines, and the exit code is 0", async () => {
    const { child, done } = spawnTs(MANY_LINES, [String(LINES)], { env: cleanEnv() });
    // A slow reader: nothing read until the child has exited or a second has passed, whichever comes first. Before
    // the fix the child exits with its stdout queue dropped, so only what the pipe held arrives.
    child.stdout?.pause();
    const resume = (): void => void child.stdout?.resume();
    const slow = setTimeout(resume, 1_000);
    child.once("exit", resume);
    const finished = await done;
    clearTimeout(slow);
    expect(finished.code).toBe(0);
    expect(countLines(finished.stdout)).toBe(LINES);
    expect(finished.stdout.trimEnd().split("\n").at(-1)).toMatch(/^line 19999 /);
    expect(finished.stderr).not.toContain("had not been read");
  }, 60_000);

  it("a reader that never reads does not hold the exit past the shutdown deadline; the loss is said on stderr", async () => {
    const env = { ...cleanEnv(), GT_EVENTS_SHUTDOWN_TIMEOUT_MS: "300" };
    const { child, done } = spawnTs(MANY_LINES, [String(LINES)], { env });
    child.stdout?.pause();
    // Read only once the child has exited: without the bound it would wait for this reader forever.
    child.once("exit", () => void child.stdout?.resume());
    const finished = await done;
    expect(finished.code).toBe(0);
    expect(countLines(finished.stdout)).toBeLessThan(LINES);
    expect(finished.stderr).toMatch(
      /structure-run-events: \d+ byte\(s\) written to stdout had not been read by the shutdown deadline \(GT_EVENTS_SHUTDOWN_TIMEOUT_MS\) and are lost/,
    );
  }, 60_000);

  it("process.exit() from the code cannot wait for a slow reader: the loss is said on stderr, with what to do", async () => {
    const { child, done } = spawnTs(MANY_LINES, [String(LINES), "exit"], { env: cleanEnv() });
    child.stdout?.pause();
    child.once("exit", () => void child.stdout?.resume());
    const finished = await done;
    // Its own Finish event published: its exit 0 stands (see docs/run-structure.md).
    expect(finished.code).toBe(0);
    expect(countLines(finished.stdout)).toBeLessThan(LINES);
    expect(finished.stderr).toMatch(
      /structure-run-events: \d+ byte\(s\) written to stdout had not been read when the code called process\.exit\(\) and are lost: return from the entry instead/,
    );
  }, 60_000);
});
