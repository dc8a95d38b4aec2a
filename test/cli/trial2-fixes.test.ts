// What a second new-user trial showed, in real child processes against real servers on 127.0.0.1: tail's errors as
// raw JSON, a summary blaming a command that never started, a $BROWSER with arguments, npx advice in a clone,
// node:util's raw option messages.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openInBrowser } from "../../src/cli/open-browser.js";
import { startEmulator, within } from "../runtime/emulator-harness.js";
import { cleanEnv } from "../support/child-processes.js";
import { cli, onCleanup } from "../support/cli-process.js";
import { waitFor } from "../support/delivery-harness.js";
import { usageError } from "../support/usage-error.js";

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sre-trial2-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("tail: the Events API's error answer in one sentence, not its JSON", () => {
  it("an unknown run", async () => {
    const emulator = await startEmulator();
    const env = { ...cleanEnv(), GT_CLOUD_BASE_URL: emulator.url, GT_CLOUD_API_KEY: emulator.apiKey };
    const { code, stdout, stderr } = await within(30_000, cli(["tail", "no-such-run"], env).done, "tail");
    expect(stderr).toBe(
      `structure-run-events: tail could not follow run "no-such-run" at ${emulator.url}: Events API answered 404 ` +
        `(error code not_found): no structure run with id "no-such-run"\n`,
    );
    expect(stdout).toBe("");
    expect(code).toBe(1);
  });

  it("a wrong key: never echoed", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    const env = { ...cleanEnv(), GT_CLOUD_BASE_URL: emulator.url, GT_CLOUD_API_KEY: "wrong-key-0123456789" };
    const { code, stderr } = await within(30_000, cli(["tail", run.structure_run_id], env).done, "tail");
    expect(stderr).toBe(
      `structure-run-events: tail could not follow run "${run.structure_run_id}" at ${emulator.url}: Events API ` +
        "answered 401 (error code unauthorized; check the API key): invalid API key: use the run's key " +
        "(GT_CLOUD_API_KEY) or the master key\n",
    );
    expect(stderr).not.toContain("wrong-key");
    expect(code).toBe(1);
  });
});

describe("run: a command that could not start is said so, with the exit code", () => {
  it("not found: exit 127, in the status line, and why there is no output", async () => {
    const { code, stdout } = await within(30_000, cli(["run", "--", "no-such-cmd-trial2"]).done, "run");
    expect(code).toBe(127);
    expect(stdout).toMatch(/\nstatus {4}ERROR \(exit code 127\)\n/);
    expect(stdout).toMatch(
      /\noutput {4}no output: the command could not start \(command not found: no-such-cmd-trial2\)\n/,
    );
    expect(stdout).not.toContain("never published");
  });

  it("not executable: exit 126, and the reason", async () => {
    const file = join(tempDir(), "not-executable.sh");
    writeFileSync(file, "#!/bin/sh\n", { mode: 0o600 });
    const { code, stdout } = await within(30_000, cli(["run", "--", file]).done, "run");
    expect(code).toBe(126);
    expect(stdout).toMatch(/\nstatus {4}ERROR \(exit code 126\)\n/);
    expect(stdout).toContain(
      `output    no output: the command could not start (permission denied: "${file}" is not executable)\n`,
    );
  });

  it("a command that ran keeps its own exit code and sentence", async () => {
    const { code, stdout } = await within(30_000, cli(["run", "--", "sh", "-c", "exit 3"]).done, "run");
    expect(code).toBe(3);
    expect(stdout).toMatch(/\nstatus {4}FAILED \(exit code 3\)\n/);
    expect(stdout).toContain("output    no output: the structure never published a FinishStructureRunEvent\n");
  });

  it("tail of such a run says the same about its output (its own exit is 1, as for any ERROR)", async () => {
    const emulator = await startEmulator();
    const run = emulator.createRun();
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunStarting", { status: "STARTING" });
    emulator.recordSystemEvent(run.structure_run_id, "StructureRunError", {
      status: "ERROR",
      status_detail: { error: "command not found: x\u001b[2J" },
    });
    const env = { ...cleanEnv(), GT_CLOUD_BASE_URL: emulator.url, GT_CLOUD_API_KEY: emulator.apiKey };
    const { code, stdout } = await within(30_000, cli(["tail", run.structure_run_id], env).done, "tail");
    expect(stdout).toContain("output    no output: the command could not start (command not found: x\\u001b[2J)\n");
    expect(stdout).toMatch(/\nstatus {4}ERROR\n/);
    expect(code).toBe(1);
  });
});

describe("$BROWSER as browsers set it: arguments, %s, a list", () => {
  /** A browser script that writes its arguments, one a line, to `out` (a file of its own). */
  function recorder(dir: string, name: string): { script: string; out: string } {
    const script = join(dir, name);
    const out = join(dir, `${name}.args`);
    writeFileSync(script, `#!/bin/sh\nprintf "%s\\n" "$@" > "${out}.tmp" && mv "${out}.tmp" "${out}"\n`);
    chmodSync(script, 0o700);
    return { script, out };
  }

  async function argsOf(out: string): Promise<string[]> {
    await waitFor(() => existsSync(out), 10_000, `${out}`);
    return readFileSync(out, "utf8").trimEnd().split("\n");
  }

  const LINK = "http://127.0.0.1:1/?token=secret-token-value";

  it("a command with arguments: split on whitespace, the file URL appended", async () => {
    const b = recorder(tempDir(), "browser");
    expect(
      await openInBrowser(LINK, { ...cleanEnv(), BROWSER: `  ${b.script}   --new-window  -P x ` }),
    ).toBeUndefined();
    const args = await argsOf(b.out);
    expect(args.slice(0, 3)).toEqual(["--new-window", "-P", "x"]);
    expect(args[3]).toMatch(/^file:\/\/\/.+\.html$/);
    expect(args).toHaveLength(4);
    expect(args.join("\n")).not.toContain("token");
    expect(readFileSync(new URL(args[3] as string), "utf8")).toContain(`content="0;url=${LINK}"`);
  });

  it("%s is replaced by the file URL, wherever it is, and nothing is appended", async () => {
    const b = recorder(tempDir(), "browser");
    await openInBrowser(LINK, { ...cleanEnv(), BROWSER: `${b.script} --url=%s --then %s` });
    const args = await argsOf(b.out);
    expect(args).toHaveLength(3);
    expect(args[0]).toMatch(/^--url=file:\/\/\/.+\.html$/);
    expect(args[1]).toBe("--then");
    expect(`--url=${args[2]}`).toBe(args[0]);
  });

  it("a list: the first that starts, the others not tried", async () => {
    const dir = tempDir();
    const second = recorder(dir, "second");
    const third = recorder(dir, "third");
    const env = { ...cleanEnv(), BROWSER: `/nonexistent/first --flag:${second.script} %s::${third.script}` };
    expect(await openInBrowser(LINK, env)).toBeUndefined();
    expect((await argsOf(second.out))[0]).toMatch(/^file:\/\/\//);
    expect(existsSync(third.out)).toBe(false);
  });

  it("none starts: one line naming each, escaped", async () => {
    const line = await openInBrowser(LINK, { ...cleanEnv(), BROWSER: "/nonexistent/a\u001b[2J: /nonexistent/b %s :" });
    expect(line).toBe(
      "Could not open a browser (/nonexistent/a\\u001b[2J: not found, /nonexistent/b: not found; set BROWSER to " +
        "choose one): open the link above instead.\n",
    );
  });

  it("no shell ever reads the value: its metacharacters are plain arguments", async () => {
    const dir = tempDir();
    const b = recorder(dir, "browser");
    const marker = join(dir, "shell-ran");
    await openInBrowser(LINK, { ...cleanEnv(), BROWSER: `${b.script} $(touch ${marker}) ;touch ${marker} %s` });
    const args = await argsOf(b.out);
    expect(args.slice(0, 4)).toEqual(["$(touch", `${marker})`, ";touch", marker]);
    expect(existsSync(marker)).toBe(false);
  });

  it("the CLI: BROWSER with arguments opens, with no 'not found'", async () => {
    const b = recorder(tempDir(), "browser");
    const spawned = cli(["serve", "--port", "0", "--open"], { ...cleanEnv(), BROWSER: `${b.script} my browser` });
    const args = await within(30_000, argsOf(b.out), "the browser");
    expect(args.slice(0, 2)).toEqual(["my", "browser"]);
    expect(args[2]).toMatch(/^file:\/\/\/.+\.html$/);
    spawned.child.kill("SIGINT");
    const { code, stdout } = await spawned.done;
    expect(stdout).not.toContain("Could not open a browser");
    expect(code).toBe(0);
  });
});

describe("serve's Try line: how this CLI is started where it runs", () => {
  async function banner(env: NodeJS.ProcessEnv): Promise<string> {
    const spawned = cli(["serve", "--port", "0"], env);
    let seen = "";
    await within(
      20_000,
      new Promise<void>((resolve) => {
        spawned.child.stdout?.on("data", (c: Buffer) => {
          seen += c.toString();
          if (/Try: .*\n/.test(seen)) resolve();
        });
      }),
      "serve's banner",
    );
    spawned.child.kill("SIGINT");
    expect((await spawned.done).code).toBe(0);
    return /Try: .*\n/.exec(seen)?.[0] ?? "";
  }

  it.each(["cli", "start"])("under this package's own npm script (%s): npm run cli --", async (script) => {
    const env = { ...cleanEnv(), npm_package_name: "structure-run-events", npm_lifecycle_event: script };
    expect(await banner(env)).toMatch(/ GT_CLOUD_API_KEY=<key> npm run cli -- tail <run-id>\n$/);
  });

  it.each([
    ["another package's script", { npm_package_name: "my-app", npm_lifecycle_event: "cli" }],
    ["this package's tests", { npm_package_name: "structure-run-events", npm_lifecycle_event: "test" }],
    ["no npm at all", { npm_package_name: undefined, npm_lifecycle_event: undefined }],
  ])("%s: npx", async (_name, npm) => {
    expect(await banner({ ...cleanEnv(), ...npm })).toMatch(
      / GT_CLOUD_API_KEY=<key> npx structure-run-events tail <run-id>\n$/,
    );
  });
});

describe("a flag's missing or unwanted value: our own sentence", () => {
  it.each([
    [["run", "--port"], "--port needs a value: a port number, e.g. --port 8080"],
    [["run", "--port", "--", "x"], "--port needs a value: a port number, e.g. --port 8080"],
    [["serve", "--host"], "--host needs a value: an address to bind, e.g. --host 0.0.0.0"],
    [["serve", "--events-file"], "--events-file needs a value: a file name, e.g. --events-file events.ndjson"],
    [
      ["serve", "--api-key-file"],
      '--api-key-file needs a value: a file name ("-" reads standard input), e.g. --api-key-file key.txt',
    ],
    [
      ["run", "--structure-id", "--", "x"],
      "--structure-id needs a value: a structure id, e.g. --structure-id my-structure",
    ],
    [["tail", "r", "--offset"], "--offset needs a value: the first event's offset, e.g. --offset 10"],
    [
      ["tail", "r", "--base-url"],
      "--base-url needs a value: the Events API's URL, e.g. --base-url http://127.0.0.1:8080",
    ],
    [["run", "--json=1", "--", "x"], "--json takes no value: write --json alone, not --json=1"],
    [["serve", "--open=yes\u001b[2J"], "--open takes no value: write --open alone, not --open=yes\\u001b[2J"],
    [["run", "--bogus", "--port"], "unknown option --bogus for run; see --help"],
  ])("%j", (argv, message) => {
    expect(usageError(argv).message).toBe(message);
  });

  it("the CLI prints it, then the usage, and exits 2", async () => {
    const { code, stderr } = await cli(["run", "--port"]).done;
    expect(stderr.split("\n")[0]).toBe("structure-run-events: --port needs a value: a port number, e.g. --port 8080");
    expect(stderr).not.toContain("argument missing");
    expect(code).toBe(2);
  });
});
