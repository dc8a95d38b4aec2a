/**
 * A setting to fix, when runStructure owns the process (`exit: true`, the default): one plain line on stderr and
 * exit code 2 (as the CLI exits for one), not the unhandled-rejection dump of a top-level `await` that throws.
 * With `exit: false` the caller gets the typed ConfigError. Real child processes running the README's first
 * example; a real server on 127.0.0.1 where one must see nothing.
 */
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, MemoryEventListenerDriver, runStructure } from "../../src/index.js";
import { cleanEnv, killChildren, spawnTs } from "../support/child-processes.js";
import { type FaultServer, startFaultServer } from "../support/fault-server.js";

const README_FIRST = fileURLToPath(new URL("./structures/readme-first.ts", import.meta.url));
const SECRET = "sk-config-0123456789-SECRET";

let server: FaultServer | undefined;
afterEach(async () => {
  killChildren();
  await server?.close();
  server = undefined;
});

const CASES: { name: string; env: Record<string, string>; line: string }[] = [
  {
    name: "a run id but the key under another name",
    env: { GT_CLOUD_STRUCTURE_RUN_ID: "abc", GRIPTAPE_API_KEY: SECRET },
    line: "structure-run-events: no API key: set GT_CLOUD_API_KEY (Griptape Cloud sets it) or pass apiKey",
  },
  {
    name: "a blank GT_CLOUD_API_KEY",
    env: { GT_CLOUD_STRUCTURE_RUN_ID: "abc", GT_CLOUD_API_KEY: "" },
    line: "structure-run-events: no API key (GT_CLOUD_API_KEY is set but blank, which counts as unset): set GT_CLOUD_API_KEY (Griptape Cloud sets it) or pass apiKey",
  },
  {
    name: "GT_EVENTS_MAX_RETRIES=abc",
    env: { GT_CLOUD_STRUCTURE_RUN_ID: "abc", GT_CLOUD_API_KEY: SECRET, GT_EVENTS_MAX_RETRIES: "abc" },
    line: 'structure-run-events: environment variable GT_EVENTS_MAX_RETRIES must be a non-negative integer; got "abc"',
  },
  {
    name: "plain http to a host that is not loopback",
    env: { GT_CLOUD_STRUCTURE_RUN_ID: "abc", GT_CLOUD_API_KEY: SECRET, GT_CLOUD_BASE_URL: "http://example.com" },
    line: "structure-run-events: GT_CLOUD_BASE_URL uses plain http to example.com: the API key would travel unencrypted. Use https, or pass allowInsecureHttp: true",
  },
  {
    name: "a key with a space",
    env: { GT_CLOUD_STRUCTURE_RUN_ID: "abc", GT_CLOUD_API_KEY: `${SECRET} b` },
    line: `structure-run-events: GT_CLOUD_API_KEY has a space at position ${SECRET.length + 1} of ${SECRET.length + 2}: an API key is printable ASCII with no spaces, so it cannot be sent in an HTTP header. Copy the key again`,
  },
  {
    name: "runStructure's own deadline variable",
    env: { GT_EVENTS_SHUTDOWN_TIMEOUT_MS: "10s" },
    line: 'structure-run-events: environment variable GT_EVENTS_SHUTDOWN_TIMEOUT_MS must be an integer from 0 to 86400000; got "10s"',
  },
];

describe("a ConfigError with exit: true (the README's first example)", () => {
  it.each(CASES)("$name: one line naming the variable, exit 2, nothing else", async ({ env, line }) => {
    const finished = await spawnTs(README_FIRST, [], { env: { ...cleanEnv(), ...env } }).done;
    expect(finished.code).toBe(2);
    expect(finished.stderr).toBe(`${line}\n`);
    expect(finished.stdout).toBe("");
    expect(finished.stderr).not.toContain(SECRET);
  });

  it("sends nothing: a run whose settings are refused never reaches the API", async () => {
    server = await startFaultServer({ apiKey: SECRET });
    const env = {
      GT_CLOUD_STRUCTURE_RUN_ID: "abc",
      GT_CLOUD_API_KEY: SECRET,
      GT_CLOUD_BASE_URL: server.url,
      GT_EVENTS_MAX_RETRIES: "abc",
    };
    const finished = await spawnTs(README_FIRST, [], { env: { ...cleanEnv(), ...env } }).done;
    expect(finished.code).toBe(2);
    expect(server.requests).toHaveLength(0);
  });
});

describe("a ConfigError with exit: false", () => {
  it("is thrown at the call site, typed, naming the variable; no run starts", async () => {
    let ran = false;
    let thrown: unknown;
    try {
      await runStructure(
        () => {
          ran = true;
        },
        { exit: false, env: { GT_CLOUD_STRUCTURE_RUN_ID: "abc", GT_CLOUD_API_KEY: "" } },
      );
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toMatchObject({ code: "ERR_CONFIG", variable: "GT_CLOUD_API_KEY" });
    expect(ran).toBe(false);
    // Nothing was left behind: the next run starts.
    const next = await runStructure(() => "next", { exit: false, driver: new MemoryEventListenerDriver(), env: {} });
    expect(next).toMatchObject({ exitCode: 0, output: { value: "next" } });
  });
});
