import { describe, expect, it } from "vitest";
import { parseCommand } from "../../src/cli/cli-args.js";
import { usageError } from "../support/usage-error.js";

/** The UsageError `parseCommand(argv)` throws; fails the test if it returns or throws anything else. */
describe("parseCommand: run", () => {
  it("defaults: port 0 (any free port), no --json, the command after --", () => {
    expect(parseCommand(["run", "--", "node", "structure.js"])).toEqual({
      name: "run",
      port: 0,
      json: false,
      command: ["node", "structure.js"],
    });
  });

  it("reads every option", () => {
    expect(
      parseCommand([
        "run",
        "--port",
        "9000",
        "--json",
        "--events-file",
        "events.ndjson",
        "--structure-id=my-structure",
        "--",
        "python",
        "main.py",
      ]),
    ).toEqual({
      name: "run",
      port: 9000,
      json: true,
      eventsFile: "events.ndjson",
      structureId: "my-structure",
      command: ["python", "main.py"],
    });
    expect(parseCommand(["run", "--port=65535", "--", "x"])).toMatchObject({ port: 65535 });
    expect(parseCommand(["run", "--port", "0", "--", "x"])).toMatchObject({ port: 0 });
  });

  it("leaves everything after -- untouched: flags, another --, empty strings", () => {
    const parsed = parseCommand(["run", "--", "node", "s.js", "--json", "--port", "abc", "--", "", "-h"]);
    expect(parsed).toEqual({
      name: "run",
      port: 0,
      json: false,
      command: ["node", "s.js", "--json", "--port", "abc", "--", "", "-h"],
    });
  });

  it("--json before -- is the CLI's, --json after -- is the structure's", () => {
    expect(parseCommand(["run", "--json", "--", "node", "s.js", "--json"])).toMatchObject({
      json: true,
      command: ["node", "s.js", "--json"],
    });
  });
});

describe("parseCommand: serve", () => {
  it("defaults: port 8080, host 127.0.0.1, no command", () => {
    expect(parseCommand(["serve"])).toEqual({ name: "serve", port: 8080, host: "127.0.0.1", command: [] });
  });

  it("reads every option and an optional command after --", () => {
    expect(
      parseCommand([
        "serve",
        "--port",
        "3000",
        "--host",
        "0.0.0.0",
        "--events-file",
        "e.ndjson",
        "--api-key-file",
        "k.txt",
        "--",
        "node",
        "s.js",
        "--port",
        "1",
      ]),
    ).toEqual({
      name: "serve",
      port: 3000,
      host: "0.0.0.0",
      eventsFile: "e.ndjson",
      apiKeyFile: "k.txt",
      command: ["node", "s.js", "--port", "1"],
    });
  });
});

describe("parseCommand: tail", () => {
  it("defaults: offset 0, no --json, base URL and key left to the environment", () => {
    expect(parseCommand(["tail", "run-1"])).toEqual({ name: "tail", runId: "run-1", offset: 0, json: false });
  });

  it("reads every option, before or after the run id", () => {
    expect(
      parseCommand(["tail", "--base-url", "https://x/p", "run-1", "--api-key-file", "-", "--offset", "12", "--json"]),
    ).toEqual({ name: "tail", runId: "run-1", baseUrl: "https://x/p", apiKeyFile: "-", offset: 12, json: true });
    expect(parseCommand(["tail", "run-1", "--allow-insecure-http"])).toMatchObject({ allowInsecureHttp: true });
  });

  it("accepts a bare -- with nothing after it", () => {
    expect(parseCommand(["tail", "run-1", "--"])).toMatchObject({ runId: "run-1" });
  });
});

describe("parseCommand: keys never come from argv", () => {
  it.each([
    ["serve", ["serve", "--api-key", "s3cret-key"], "GT_EMULATOR_API_KEY"],
    ["serve", ["serve", "--api-key=s3cret-key", "--port", "1"], "GT_EMULATOR_API_KEY"],
    ["tail", ["tail", "run-1", "--api-key", "s3cret-key"], "GT_CLOUD_API_KEY"],
  ])("%s --api-key: a UsageError saying why and what to use, without the key", (_name, argv, variable) => {
    const { message } = usageError(argv);
    expect(message).toContain("--api-key was removed");
    expect(message).toContain("ps");
    expect(message).toContain(variable);
    expect(message).toContain("--api-key-file");
    expect(message).not.toContain("s3cret-key");
  });

  it("an --api-key after -- is the structure's own argument", () => {
    expect(parseCommand(["serve", "--", "node", "s.js", "--api-key", "x"])).toMatchObject({
      command: ["node", "s.js", "--api-key", "x"],
    });
  });
});

describe("parseCommand: help and version", () => {
  it.each([[["-h"]], [["--help"]], [["help"]]])("%j is help", (argv) => {
    expect(parseCommand(argv)).toEqual({ name: "help" });
  });

  it.each([[["-v"]], [["--version"]]])("%j is version", (argv) => {
    expect(parseCommand(argv)).toEqual({ name: "version" });
  });
});

describe("parseCommand: bad input throws UsageError (ERR_USAGE) naming the problem", () => {
  it("an argument echoed in a message is escaped and cut: a command line cannot drive the terminal", () => {
    const hostile = `\u001b]0;pwned\u0007\u001b[2J${"x".repeat(500)}`;
    for (const argv of [[hostile], ["tail", "r", `--offset=1${hostile}`], ["run", hostile, "--", "x"]]) {
      const { message } = usageError(argv);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point.
      expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      expect(message).toContain("\\u001b]0;pwned\\u0007");
      expect(message.length).toBeLessThan(300);
    }
  });

  it("an unknown command", () => {
    expect(usageError(["frobnicate"]).message).toMatch(/unknown command "frobnicate"/);
    expect(usageError(["--json"]).message).toMatch(/unknown command "--json"/);
  });

  it("an unknown flag", () => {
    expect(usageError(["run", "--prot", "1", "--", "x"]).message).toContain("--prot");
    expect(usageError(["serve", "--json"]).message).toContain("--json");
    expect(usageError(["tail", "r", "--port", "1"]).message).toContain("--port");
  });

  it("a positional argument where none is taken", () => {
    expect(usageError(["run", "node", "--", "x"]).message).toContain("node");
  });

  it("no command at all: a UsageError (the CLI prints the usage on stderr and exits 2)", () => {
    expect(usageError([]).message).toBe("no command given: use run, serve or tail");
  });

  it("a command given without -- before it: the message says where it goes", () => {
    for (const name of ["run", "serve"]) {
      const message = usageError([name, "node", "x.js"]).message;
      expect(message).toContain(`${name} takes no argument before "--", got "node"`);
      expect(message).toContain(`${name} -- node my-structure.js`);
    }
  });

  it("a flag followed by a value starting with a dash: said plainly, not node:util's 'ambiguous'", () => {
    expect(usageError(["tail", "r", "--offset", "-1"]).message).toBe(
      '--offset must be a non-negative integer, got "-1"',
    );
    expect(usageError(["serve", "--port", "-80"]).message).toBe('--port must be a non-negative integer, got "-80"');
    for (const argv of [
      ["run", "--events-file", "--json", "--", "x"],
      ["tail", "r", "--base-url", "-x"],
    ]) {
      const message = usageError(argv).message;
      expect(message).not.toContain("ambiguous");
      expect(message).toMatch(/^--[a-z-]+ needs a value; to give one that starts with "-", write --[a-z-]+=VALUE$/);
    }
  });

  it("run without a command", () => {
    for (const argv of [["run"], ["run", "--"], ["run", "--json"], ["run", "--port", "1", "--"]]) {
      expect(usageError(argv).message, JSON.stringify(argv)).toMatch(/run needs a command after --/);
    }
  });

  it.each([
    [["run", "--port", "abc", "--", "x"], /--port must be a non-negative integer, got "abc"/],
    [["run", "--port", "70000", "--", "x"], /--port must be between 0 and 65535, got 70000/],
    [["run", "--port=-1", "--", "x"], /--port must be a non-negative integer, got "-1"/],
    [["run", "--port", "-1", "--", "x"], /--port must be a non-negative integer, got "-1"/],
    [["run", "--port", "1.5", "--", "x"], /--port must be a non-negative integer/],
    [["run", "--port=", "--", "x"], /--port must be a non-negative integer/],
    [["run", "--port", "--", "x"], /--port/],
    [["serve", "--port", "65536"], /--port must be between 0 and 65535/],
    [["serve", "--port", "8o8o"], /--port must be a non-negative integer, got "8o8o"/],
  ])("bad port %j", (argv, message) => {
    expect(usageError(argv).message).toMatch(message);
  });

  it("tail without a run id, or with two", () => {
    expect(usageError(["tail"]).message).toMatch(/tail needs exactly one run id/);
    expect(usageError(["tail", "--json"]).message).toMatch(/tail needs exactly one run id/);
    expect(usageError(["tail", "run-1", "run-2"]).message).toMatch(/tail needs exactly one run id/);
  });

  it("tail with a command after --", () => {
    expect(usageError(["tail", "run-1", "--", "node", "s.js"]).message).toMatch(/tail takes no command after --/);
  });

  it("tail --offset that is not a non-negative integer", () => {
    expect(usageError(["tail", "run-1", "--offset", "x"]).message).toMatch(
      /--offset must be a non-negative integer, got "x"/,
    );
    expect(usageError(["tail", "run-1", "--offset=-3"]).message).toMatch(/--offset must be a non-negative integer/);
  });
});

describe("parseCommand: help inside a command", () => {
  it("run --help, serve -h and tail --help show the help; a --help after -- is the structure's", () => {
    expect(parseCommand(["run", "--help"])).toEqual({ name: "help" });
    expect(parseCommand(["serve", "-h"])).toEqual({ name: "help" });
    expect(parseCommand(["tail", "--help"])).toEqual({ name: "help" });
    expect(parseCommand(["run", "--", "node", "--help"])).toMatchObject({ name: "run", command: ["node", "--help"] });
  });
});
