// Each example's header says how to run it, in a clone and in a project that installed the package. The clone's
// `run` commands are run here exactly as written, and the rest is pinned against the README, so a header cannot
// drift into a command that fails (as `npx structure-run-events run -- … examples/…` did in both places).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { within } from "../runtime/emulator-harness.js";
import { cleanEnv, type Finished } from "../support/child-processes.js";
import { ROOT } from "../support/cli-process.js";

const EXAMPLES = readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".ts"));
const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** The command lines of the header's paragraph that starts with `intro`. */
function commands(file: string, intro: string): string[] {
  const header = readFileSync(join(ROOT, "examples", file), "utf8").split("*/")[0] ?? "";
  const lines = header.split("\n");
  const start = lines.findIndex((line) => line.includes(intro));
  if (start < 0) return [];
  const found: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const match = /^ \* {3}(\S.*)$/.exec(line);
    if (match === null) break;
    found.push(match[1] as string);
  }
  return found;
}

const CLONE = "In a clone of the repository:";
const INSTALLED = "In a project that installed the package (tsx installed beside it):";

function sh(command: string): Promise<Finished> {
  const child = spawn("sh", ["-c", command], { cwd: ROOT, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe("examples' headers", () => {
  it.each(EXAMPLES)("%s: says the command for a clone and the one for an installed package", (file) => {
    const clone = commands(file, CLONE);
    const installed = commands(file, INSTALLED);
    expect(clone.length).toBeGreaterThan(0);
    // The same commands, with the installed package's bin and paths.
    expect(installed).toEqual(
      clone.map((c) =>
        c
          .replace("npm run cli --", "npx structure-run-events")
          .replaceAll(" examples/", " node_modules/structure-run-events/examples/"),
      ),
    );
    for (const command of clone) expect(command).not.toContain("npx structure-run-events");
  });

  it("client.ts: its commands are the README's, word for word", () => {
    for (const command of [...commands("client.ts", CLONE), ...commands("client.ts", INSTALLED)]) {
      expect(README).toContain(command);
    }
  });

  const runs = EXAMPLES.flatMap((file) =>
    commands(file, CLONE)
      .filter((c) => c.startsWith("npm run cli -- run "))
      .map((command) => [file, command] as const),
  );

  it("every example that a header runs with `run` is checked below", () => {
    expect(runs.map(([file]) => file).sort()).toEqual(EXAMPLES.filter((f) => f !== "client.ts").sort());
  });

  it.each(runs)("%s: its clone command runs as written: %s", async (file, command) => {
    const { code, stdout } = await within(90_000, sh(command), command);
    const failing = file === "failing-structure.ts";
    expect(code).toBe(failing ? 1 : 0);
    expect(stdout).toContain("── run summary");
    expect(stdout).toMatch(failing ? /status\s+FAILED/ : /status\s+SUCCEEDED/);
    expect(stdout).not.toContain("no output");
  });
});
