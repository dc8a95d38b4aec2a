// `npm start` and `npm run cli`, as a person runs them in a clone: npm, its script's shell and the CLI in one
// process group, and a terminal's Ctrl-C sent to that whole group. The README promises the structure's exit code.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dropNpmEchoes } from "../../src/cli/npm-signal-echo.js";
import { within } from "../runtime/emulator-harness.js";
import { cleanEnv, type Finished } from "../support/child-processes.js";
import { onCleanup, ROOT } from "../support/cli-process.js";
import { groupGone, killGroup } from "../support/process-groups.js";

/** `npm run <script> -- …args` in a process group of its own, as a terminal's foreground job. */
function npmRun(script: string, args: string[]) {
  const child = spawn("npm", ["run", "--silent", script, ...(args.length > 0 ? ["--", ...args] : [])], {
    cwd: ROOT,
    env: cleanEnv(),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pgid = child.pid as number;
  onCleanup(() => killGroup(pgid));
  let output = "";
  const waiters: { text: string; resolve: () => void }[] = [];
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const w of waiters.splice(0)) (output.includes(w.text) ? w.resolve : () => waiters.push(w))();
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const done = new Promise<Finished>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout: output, stderr: "" }));
  });
  const printed = (text: string) =>
    new Promise<void>((resolve) => (output.includes(text) ? resolve() : waiters.push({ text, resolve })));
  /** A terminal's Ctrl-C: SIGINT to every process of the foreground group. */
  const ctrlC = () => process.kill(-pgid, "SIGINT");
  return { pgid, done, printed, ctrlC };
}

describe("npm scripts: a Ctrl-C's exit code is the structure's", () => {
  it("npm run cli -- run --web -- sh -c 'exit 3': Ctrl-C after the run exits 3, not 130", async () => {
    const npm = npmRun("cli", ["run", "--web", "--", "sh", "-c", "exit 3"]);
    await within(30_000, npm.printed("until Ctrl-C"), "run --web's wait");
    npm.ctrlC();
    const { code, signal } = await within(30_000, npm.done, "npm after Ctrl-C");
    expect({ code, signal }).toEqual({ code: 3, signal: null });
    expect(await groupGone(npm.pgid)).toEqual([]);
  });

  it("npm run cli -- run -- <structure>: one Ctrl-C reaches the structure once, and its exit code is npm's", async () => {
    // Exits 10 + the number of SIGINTs it got, 1 s after the first.
    const structure =
      'let n = 0; process.on("SIGINT", () => { if (n++ === 0) setTimeout(() => process.exit(10 + n), 1000); });' +
      'console.error("READY"); setInterval(() => {}, 1000);';
    const npm = npmRun("cli", ["run", "--", process.execPath, "-e", structure]);
    await within(30_000, npm.printed("READY"), "the structure");
    npm.ctrlC();
    const { code, signal, stdout } = await within(30_000, npm.done, "npm after Ctrl-C");
    expect({ code, signal }).toEqual({ code: 11, signal: null });
    expect(stdout).toContain("CANCELLED");
  });

  it("npm start runs the example under the local runtime and exits 0 with its output", async () => {
    const { code, stdout } = await within(60_000, npmRun("start", []).done, "npm start");
    expect(code).toBe(0);
    expect(stdout).toMatch(/output\s+"echo: hello from the README"/);
  });

  it("start and cli exec node with tsx, with no wrapper process between npm's shell and the CLI", () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(scripts.cli).toBe("exec node --import tsx src/cli/main.ts");
    expect(scripts.start?.startsWith(`${scripts.cli} run -- `)).toBe(true);
  });
});

describe("dropNpmEchoes", () => {
  const npmEnv = { npm_package_name: "structure-run-events", npm_lifecycle_event: "cli" };

  it("under this package's cli/start scripts, a repeat within the window is npm's echo: dropped once", () => {
    const seen: string[] = [];
    const handler = dropNpmEchoes((s: string) => seen.push(s), npmEnv);
    handler("SIGINT");
    handler("SIGINT");
    handler("SIGINT");
    handler("SIGTERM");
    expect(seen).toEqual(["SIGINT", "SIGINT", "SIGTERM"]);
  });

  it.each([
    [{}],
    [{ npm_package_name: "structure-run-events", npm_lifecycle_event: "test" }],
    [{ npm_package_name: "my-app", npm_lifecycle_event: "start" }],
  ])("anywhere else (%j) every signal counts", (env) => {
    const seen: string[] = [];
    const handler = dropNpmEchoes((s: string) => seen.push(s), env);
    handler("SIGINT");
    handler("SIGINT");
    expect(seen).toEqual(["SIGINT", "SIGINT"]);
  });
});
