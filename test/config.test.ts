/**
 * One rule for blank settings, whichever setting it is (src/config.ts): an environment variable that is empty or
 * only whitespace counts as unset; an option given as a blank string is a ConfigError naming the option. The trial
 * found four behaviours for the same blank value: `GT_CLOUD_API_KEY=""` taken as unset but `"  "` refused,
 * `GT_CLOUD_BASE_URL=""` defaulted but `" "` refused, the tuning variables always defaulted.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_BASE_URL, ENV, readEnvSetting, reportsToCloud, tuningEnvName } from "../src/config.js";
import { type BatchingOptions, resolveBatchingOptions } from "../src/drivers/batching-options.js";
import {
  ConfigError,
  DEFAULT_BATCHING_OPTIONS,
  GriptapeCloudEventListenerDriver,
  type GriptapeCloudEventListenerDriverOptions,
  MemoryEventListenerDriver,
  runStructure,
} from "../src/index.js";
import { EventsApiEmulator } from "../src/local.js";
import { resolveLogFormat } from "../src/logger.js";

/** Empty, or whitespace of the kinds a shell, a .env file or a copy-and-paste leaves. */
const blank = fc.string({ unit: fc.constantFrom(" ", "\t", "\n", "\r", "\u00a0") });
const BLANKS = ["", " ", "  \t\n "];

function driverError(options: GriptapeCloudEventListenerDriverOptions): ConfigError {
  try {
    void new GriptapeCloudEventListenerDriver(options).shutdown({ timeoutMs: 0 });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError, the driver was constructed");
}

describe("a blank environment variable counts as unset", () => {
  it("readEnvSetting: undefined for every blank value, the trimmed value otherwise", () => {
    fc.assert(
      fc.property(blank, (value) => {
        expect(readEnvSetting({ V: value }, "V")).toBeUndefined();
      }),
    );
    expect(readEnvSetting({ V: " x \n" }, "V")).toBe("x");
    expect(readEnvSetting({}, "V")).toBeUndefined();
  });

  it.each(BLANKS)("GT_CLOUD_STRUCTURE_RUN_ID=%j: no run to report to (the printer, not the Cloud driver)", (value) => {
    expect(reportsToCloud({ [ENV.structureRunId]: value })).toBe(false);
    const error = driverError({ apiKey: "k", env: { [ENV.structureRunId]: value } });
    expect(error.variable).toBe(ENV.structureRunId);
    expect(error.message).toBe(
      "no structure run id (GT_CLOUD_STRUCTURE_RUN_ID is set but blank, which counts as unset): set GT_CLOUD_STRUCTURE_RUN_ID (Griptape Cloud sets it) or pass structureRunId",
    );
  });

  it.each(BLANKS)("GT_CLOUD_API_KEY=%j: no key, and the message says the variable is blank", (value) => {
    const error = driverError({ env: { [ENV.structureRunId]: "r", [ENV.apiKey]: value } });
    expect(error.variable).toBe(ENV.apiKey);
    expect(error.message).toBe(
      "no API key (GT_CLOUD_API_KEY is set but blank, which counts as unset): set GT_CLOUD_API_KEY (Griptape Cloud sets it) or pass apiKey",
    );
    // As unset: the option still supplies it.
    const driver = new GriptapeCloudEventListenerDriver({
      apiKey: "k",
      env: { [ENV.structureRunId]: "r", [ENV.apiKey]: value },
    });
    void driver.shutdown({ timeoutMs: 0 });
  });

  it.each(BLANKS)("GT_CLOUD_BASE_URL=%j: the default URL", (value) => {
    const driver = new GriptapeCloudEventListenerDriver({
      env: { [ENV.structureRunId]: "r", [ENV.apiKey]: "k", [ENV.baseUrl]: value },
    });
    expect(driver.baseUrl).toBe(`${DEFAULT_BASE_URL}/`);
    void driver.shutdown({ timeoutMs: 0 });
  });

  it("every GT_EVENTS_* tuning variable: its default", () => {
    const keys = Object.keys(DEFAULT_BATCHING_OPTIONS) as (keyof BatchingOptions)[];
    fc.assert(
      fc.property(blank, (value) => {
        const env = Object.fromEntries(keys.map((key) => [tuningEnvName(key), value]));
        expect(resolveBatchingOptions({}, env)).toEqual(DEFAULT_BATCHING_OPTIONS);
      }),
    );
  });

  it.each(BLANKS)(
    "runStructure's GT_EVENTS_SHUTDOWN_TIMEOUT_MS and GT_EVENTS_SIGNAL_GRACE_MS=%j: the defaults",
    async (value) => {
      const result = await runStructure(() => "ok", {
        exit: false,
        driver: new MemoryEventListenerDriver(),
        env: { GT_EVENTS_SHUTDOWN_TIMEOUT_MS: value, GT_EVENTS_SIGNAL_GRACE_MS: value },
      });
      expect(result).toMatchObject({ exitCode: 0, delivered: true });
    },
  );

  it.each(BLANKS)("GT_EVENTS_LOG_FORMAT=%j: the automatic format, with no complaint", (value) => {
    expect(resolveLogFormat({ [ENV.logFormat]: value }, true)).toEqual({ format: "text" });
  });

  it.each(BLANKS)("GT_EMULATOR_API_KEY=%j: a generated master key", (value) => {
    const key = new EventsApiEmulator({ env: { [ENV.emulatorApiKey]: value } }).apiKey;
    expect(key.trim()).not.toBe("");
    expect(key).not.toBe(value);
  });
});

describe("an option given as a blank string is a ConfigError naming it", () => {
  it.each([
    ["structureRunId", "GT_CLOUD_STRUCTURE_RUN_ID"],
    ["apiKey", "GT_CLOUD_API_KEY"],
    ["baseUrl", "GT_CLOUD_BASE_URL"],
  ] as const)("%s", (option, variable) => {
    fc.assert(
      fc.property(blank, (value) => {
        // Everything else is valid and set, so the blank option is the only thing wrong.
        const options = { structureRunId: "r", apiKey: "k", baseUrl: "http://127.0.0.1:9", env: {}, [option]: value };
        const error = driverError(options);
        expect(error.variable).toBe(option);
        expect(error.message).toBe(`${option} must not be blank: leave it out to use ${variable}`);
      }),
    );
  });

  it("even when the variable is set: a blank option never silently falls back to it", () => {
    const error = driverError({ apiKey: "", env: { [ENV.structureRunId]: "r", [ENV.apiKey]: "from-env" } });
    expect(error.variable).toBe("apiKey");
  });
});
