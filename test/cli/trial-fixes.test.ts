// What a new user's first runs showed, in real child processes: a summary that blamed the structure for events the
// emulator refused, advice `run` cannot take, raw JSON log lines on a terminal, node:util's unknown-option message.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseCommand } from "../../src/cli/cli-args.js";
import { structureEnv } from "../../src/cli/structure-env.js";
import { within } from "../runtime/emulator-harness.js";
import { cleanEnv, type Finished } from "../support/child-processes.js";
import { CLI, cli, HELLO, ROOT } from "../support/cli-process.js";
import { usageError } from "../support/usage-error.js";

const hello = HELLO.map((a) => (a.includes(" ") ? JSON.stringify(a) : a)).join(" ");

describe("run's summary when the emulator refused the structure's event POSTs", () => {
  it("a wrong key: no Finish reached the emulator, and how many POSTs it refused, why", async () => {
    const { code, stdout } = await cli(["run", "--", "sh", "-c", `GT_CLOUD_API_KEY=wrong ${hello}`]).done;
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /output\s+no output: no FinishStructureRunEvent reached the emulator; it refused 1 event POST \(401 wrong API key ×1\)\n/,
    );
    expect(stdout).not.toContain("never published");
  });

  it("a wrong run id: refused with 403, counted though no run has that id", async () => {
    const other = "00000000-0000-4000-8000-000000000000";
    const { stdout } = await cli(["run", "--", "sh", "-c", `GT_CLOUD_STRUCTURE_RUN_ID=${other} ${hello}`]).done;
    expect(stdout).toMatch(/it refused 1 event POST \(403 key and run id do not match ×1\)/);
  });

  it("several refusals: the total, then each reason with its count", async () => {
    const script = `
      const base = process.env.GT_CLOUD_BASE_URL, id = process.env.GT_CLOUD_STRUCTURE_RUN_ID;
      const post = (path, headers) => fetch(base + path, { method: "POST", headers, body: "[]" }).then((r) => r.status);
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push(await post("/api/structure-runs/" + id + "/events", { authorization: "Bearer wrong" }));
      codes.push(await post("/api/structure-runs/" + id + "/events", {}));
      codes.push(await post("/api/structure-runs/nope/events", { authorization: "Bearer " + process.env.GT_CLOUD_API_KEY }));
      console.error("CODES " + codes.join(","));`;
    const { code, stdout, stderr } = await cli(["run", "--", process.execPath, "--input-type=module", "-e", script])
      .done;
    expect(code).toBe(0);
    expect(stderr).toContain("CODES 401,401,401,401,403");
    expect(stdout).toContain(
      "no FinishStructureRunEvent reached the emulator; it refused 5 event POSTs " +
        "(401 wrong API key ×3, 401 no API key ×1, 403 key and run id do not match ×1)",
    );
  });

  it("nothing refused: the sentence stays as it was", async () => {
    const { stdout } = await cli(["run", "--", process.execPath, "-e", "0"]).done;
    expect(stdout).toMatch(/output\s+no output: the structure never published a FinishStructureRunEvent\n/);
  });
});

describe("run --api-key: the advice fits run", () => {
  it.each([
    [["run", "--api-key", "s3cret", "--", "true"], "--api-key"],
    [["run", "--api-key=s3cret", "--", "true"], "--api-key"],
    [["run", "--api-key-file", "k.txt", "--", "true"], "--api-key-file"],
  ])("%j: run makes the key itself, nothing to pass; no key echoed", async (argv, flag) => {
    const { code, stderr } = await cli(argv).done;
    expect(code).toBe(2);
    expect(stderr).toContain(
      `run takes no ${flag}: it makes each run's API key itself and gives it to the structure as GT_CLOUD_API_KEY; there is nothing to pass`,
    );
    expect(stderr).not.toContain("pass --api-key-file");
    expect(stderr).not.toContain("s3cret");
  });

  it("serve and tail keep their advice", () => {
    for (const argv of [
      ["serve", "--api-key", "x"],
      ["tail", "r", "--api-key", "x"],
    ]) {
      expect(() => parseCommand(argv)).toThrow(/Set GT_\w+_API_KEY, or pass --api-key-file FILE/);
    }
  });
});

describe("unknown options: our own message", () => {
  it.each([
    [["run", "--bogus", "--", "x"], "unknown option --bogus for run; see --help"],
    [["run", "--bogus=1", "--", "x"], "unknown option --bogus for run; see --help"],
    [["serve", "-x"], "unknown option -x for serve; see --help"],
    [["tail", "r", "--port", "1"], "unknown option --port for tail; see --help"],
    [["serve", "--a\u001b[2Jb"], "unknown option --a\\u001b[2Jb for serve; see --help"],
  ])("%j", (argv, message) => {
    expect(usageError(argv).message).toBe(message);
  });

  it("the CLI prints it, then the usage, and exits 2", async () => {
    const { code, stderr } = await cli(["run", "--bogus", "--", "x"]).done;
    expect(code).toBe(2);
    expect(stderr.split("\n")[0]).toBe("structure-run-events: unknown option --bogus for run; see --help");
  });
});

describe("run on a terminal: the structure's log lines as text", () => {
  it("structureEnv: text when the CLI's stderr is a TTY and the variable is unset or blank; else untouched", () => {
    expect(structureEnv({}, true).GT_EVENTS_LOG_FORMAT).toBe("text");
    expect(structureEnv({ GT_EVENTS_LOG_FORMAT: " " }, true).GT_EVENTS_LOG_FORMAT).toBe("text");
    expect(structureEnv({ GT_EVENTS_LOG_FORMAT: "json" }, true).GT_EVENTS_LOG_FORMAT).toBe("json");
    expect(structureEnv({ GT_EVENTS_LOG_FORMAT: "xml" }, true).GT_EVENTS_LOG_FORMAT).toBe("xml");
    expect(structureEnv({}, false).GT_EVENTS_LOG_FORMAT).toBeUndefined();
  });

  /** The CLI with stdout and stderr on a pseudo-terminal (util-linux `script`), everything it printed. */
  function onTerminal(args: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
    const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;
    const command = [process.execPath, "--import", "tsx", CLI, ...args].map(quote).join(" ");
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr: "" })));
  }

  const badKey = ["run", "--", "sh", "-c", `GT_CLOUD_API_KEY=wrong ${hello}`];

  it("a structure's logger writes text lines when the CLI's stderr is a terminal", async () => {
    const { stdout } = await within(60_000, onTerminal(badKey, cleanEnv()), "the CLI on a terminal");
    expect(stdout).toContain("structure-run-events error: the Events API refused the API key (HTTP 401)");
    expect(stdout).not.toContain('"level":50');
  });

  it("the user's GT_EVENTS_LOG_FORMAT wins", async () => {
    const env = { ...cleanEnv(), GT_EVENTS_LOG_FORMAT: "json" };
    const { stdout } = await within(60_000, onTerminal(badKey, env), "the CLI on a terminal");
    expect(stdout).toContain('"level":50');
  });

  it("on a pipe, the structure decides for itself (JSON, as before)", async () => {
    const { stderr } = await cli(badKey).done;
    expect(stderr).toContain('"level":50');
  });
});
