import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_BASE_URL, tuningEnvName } from "../../src/config.js";
import { type BatchingOptions, resolveBatchingOptions } from "../../src/drivers/batching-options.js";
import {
  ConfigError,
  DEFAULT_BATCHING_OPTIONS,
  type GriptapeCloudEventListenerDriverOptions,
} from "../../src/index.js";
import { FAST, Harness, publishChunks } from "../support/delivery-harness.js";

const h = new Harness();
afterEach(async () => {
  vi.unstubAllEnvs();
  await h.cleanup();
});

/** Constructs a driver expecting a ConfigError; returns it for inspection. */
function configError(options: GriptapeCloudEventListenerDriverOptions): ConfigError {
  try {
    h.driver(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe("ERR_CONFIG");
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError, the driver was constructed");
}

const RUN_AND_KEY = { GT_CLOUD_STRUCTURE_RUN_ID: "run-1", GT_CLOUD_API_KEY: "k" };
const RUN_AND_KEY_OPTIONS = { structureRunId: "run-1", apiKey: "k" };
const TUNING_KEYS = Object.keys(DEFAULT_BATCHING_OPTIONS) as (keyof BatchingOptions)[];

describe("run id, API key and base URL: option > env > default", () => {
  it("reads all three from the environment", async () => {
    const server = await h.server({ apiKey: "env-key", pathPrefix: "/env" });
    const driver = h.driver({
      env: { GT_CLOUD_BASE_URL: server.url, GT_CLOUD_API_KEY: "env-key", GT_CLOUD_STRUCTURE_RUN_ID: "env-run" },
    });
    expect(driver.structureRunId).toBe("env-run");
    expect(driver.baseUrl).toBe(server.url);
    h.bus(driver).publishEvent({ type: "A" });
    expect(await driver.flush()).toMatchObject({ sent: 1, failed: 0 });
    expect(server.batches.map((b) => b.runId)).toEqual(["env-run"]);
  });

  it("prefers options over the environment for each of the three", async () => {
    const optServer = await h.server({ apiKey: "opt-key" });
    const envServer = await h.server({ apiKey: "env-key" });
    const driver = h.driver({
      baseUrl: optServer.url,
      apiKey: "opt-key",
      structureRunId: "opt-run",
      env: { GT_CLOUD_BASE_URL: envServer.url, GT_CLOUD_API_KEY: "env-key", GT_CLOUD_STRUCTURE_RUN_ID: "env-run" },
    });
    expect(driver.structureRunId).toBe("opt-run");
    h.bus(driver).publishEvent({ type: "A" });
    expect(await driver.flush()).toMatchObject({ sent: 1, failed: 0 });
    expect(optServer.requests.map((r) => r.headers.authorization)).toEqual(["Bearer opt-key"]);
    expect(optServer.batches.map((b) => b.runId)).toEqual(["opt-run"]);
    expect(envServer.requests).toHaveLength(0);
  });

  it("mixes sources per setting", () => {
    const driver = h.driver({
      structureRunId: "opt-run",
      env: { ...RUN_AND_KEY, GT_CLOUD_BASE_URL: "http://[::1]:9" },
    });
    expect(driver.structureRunId).toBe("opt-run");
    expect(driver.baseUrl).toBe("http://[::1]:9/");
  });

  it("defaults the base URL to Griptape Cloud", () => {
    const driver = h.driver({ env: RUN_AND_KEY });
    expect(DEFAULT_BASE_URL).toBe("https://cloud.griptape.ai");
    expect(driver.baseUrl).toBe("https://cloud.griptape.ai/");
  });

  it("treats an empty or whitespace-only environment variable as unset", () => {
    for (const blank of ["", "  ", "\t\n"]) {
      const driver = h.driver({ env: { ...RUN_AND_KEY, GT_CLOUD_BASE_URL: blank } });
      expect(driver.baseUrl).toBe("https://cloud.griptape.ai/");
    }
  });

  it("reads process.env by default, and an explicit env replaces it entirely", () => {
    vi.stubEnv("GT_CLOUD_STRUCTURE_RUN_ID", "process-run");
    vi.stubEnv("GT_CLOUD_API_KEY", "process-key");
    vi.stubEnv("GT_CLOUD_BASE_URL", "http://127.0.0.1:9");
    expect(h.driver({}).structureRunId).toBe("process-run");
    expect(configError({ env: {} }).variable).toBe("GT_CLOUD_STRUCTURE_RUN_ID");
    expect(configError({ env: { GT_CLOUD_STRUCTURE_RUN_ID: "r" } }).variable).toBe("GT_CLOUD_API_KEY");
  });
});

describe("tuning variables: option > env > default", () => {
  it("names the variables after the options", () => {
    expect(TUNING_KEYS.map(tuningEnvName)).toEqual([
      "GT_EVENTS_MAX_BATCH_EVENTS",
      "GT_EVENTS_MAX_BATCH_BYTES",
      "GT_EVENTS_MAX_QUEUE_EVENTS",
      "GT_EVENTS_MAX_QUEUE_BYTES",
      "GT_EVENTS_MAX_CONCURRENT_REQUESTS",
      "GT_EVENTS_LINGER_MS",
      "GT_EVENTS_REQUEST_TIMEOUT_MS",
      "GT_EVENTS_MAX_RETRIES",
      "GT_EVENTS_RETRY_INITIAL_DELAY_MS",
      "GT_EVENTS_RETRY_MAX_DELAY_MS",
      "GT_EVENTS_MAX_RETRY_AFTER_MS",
      "GT_EVENTS_SHUTDOWN_TIMEOUT_MS",
    ]);
  });

  it("uses the defaults with no option and no variable", () => {
    expect(resolveBatchingOptions({}, {})).toEqual(DEFAULT_BATCHING_OPTIONS);
  });

  it.each(TUNING_KEYS)("%s: the variable beats the default, the option beats the variable", (key) => {
    const envValue = DEFAULT_BATCHING_OPTIONS[key] + 1;
    const optionValue = DEFAULT_BATCHING_OPTIONS[key] + 2;
    const env = { [tuningEnvName(key)]: ` ${envValue} ` };
    expect(resolveBatchingOptions({}, env)[key]).toBe(envValue);
    expect(resolveBatchingOptions({ [key]: optionValue }, env)[key]).toBe(optionValue);
    // Nothing else moved.
    expect(resolveBatchingOptions({}, env)).toEqual({ ...DEFAULT_BATCHING_OPTIONS, [key]: envValue });
  });

  it("GT_EVENTS_MAX_BATCH_BYTES sets the driver's largest event; the option beats it", () => {
    const fromDefault = h.driver({ env: RUN_AND_KEY }).maxEventBytes;
    const fromEnv = h.driver({ env: { ...RUN_AND_KEY, GT_EVENTS_MAX_BATCH_BYTES: "65536" } }).maxEventBytes;
    const fromOption = h.driver({
      maxBatchBytes: 8192,
      env: { ...RUN_AND_KEY, GT_EVENTS_MAX_BATCH_BYTES: "65536" },
    }).maxEventBytes;
    expect(fromDefault).toBeGreaterThan(fromEnv);
    expect(fromEnv).toBeGreaterThan(fromOption);
    expect(fromEnv).toBeLessThan(65536);
    expect(fromEnv - fromOption).toBe(65536 - 8192);
  });

  it("GT_EVENTS_MAX_BATCH_EVENTS caps what one POST carries; the option beats it", async () => {
    const server = await h.server();
    const fromEnv = h.driver({ ...FAST, baseUrl: server.url, env: { GT_EVENTS_MAX_BATCH_EVENTS: "7" } });
    const bus = h.bus(fromEnv);
    publishChunks(bus, 20);
    expect(await fromEnv.flush()).toMatchObject({ sent: 20 });
    expect(server.batches.map((b) => b.envelopes.length)).toEqual([7, 7, 6]);

    server.reset();
    const fromOption = h.driver({
      ...FAST,
      baseUrl: server.url,
      maxBatchEvents: 9,
      env: { GT_EVENTS_MAX_BATCH_EVENTS: "7" },
    });
    publishChunks(h.bus(fromOption), 20);
    expect(await fromOption.flush()).toMatchObject({ sent: 20 });
    expect(server.batches.map((b) => b.envelopes.length)).toEqual([9, 9, 2]);
  });

  it("GT_EVENTS_MAX_RETRIES bounds the attempts per batch", async () => {
    const server = await h.server();
    server.setDown(true);
    const driver = h.driver({ ...FAST, baseUrl: server.url, env: { GT_EVENTS_MAX_RETRIES: "2" } });
    h.bus(driver).publishEvent({ type: "A" });
    expect(await driver.flush()).toMatchObject({ sent: 0, failed: 1 });
    expect(server.requests).toHaveLength(3);
  });

  it("GT_EVENTS_REQUEST_TIMEOUT_MS bounds the wait for an answer", async () => {
    const server = await h.server();
    server.queue({ kind: "hang" });
    const driver = h.driver({ ...FAST, baseUrl: server.url, env: { GT_EVENTS_REQUEST_TIMEOUT_MS: "200" } });
    h.bus(driver).publishEvent({ type: "A" });
    // The default (10 s) would outlive this flush's deadline; 200 ms lets the retry land well inside it.
    expect(await driver.flush({ timeoutMs: 5000 })).toMatchObject({ sent: 1, pending: 0 });
    expect(server.requests.map((r) => r.status)).toEqual(["hang", 202]);
  });
});

describe("ConfigError", () => {
  it("names GT_CLOUD_STRUCTURE_RUN_ID when there is no run id", () => {
    const error = configError({ env: { GT_CLOUD_API_KEY: "k" } });
    expect(error.variable).toBe("GT_CLOUD_STRUCTURE_RUN_ID");
    expect(error.message).toContain("GT_CLOUD_STRUCTURE_RUN_ID");
  });

  it.each([
    ["the environment", { env: { GT_CLOUD_STRUCTURE_RUN_ID: "run-1" } }],
    ["an option", { structureRunId: "run-1", env: {} }],
  ])("names GT_CLOUD_API_KEY when a run id is set (from %s) but no key is", (_, options) => {
    const error = configError(options);
    expect(error.variable).toBe("GT_CLOUD_API_KEY");
    expect(error.message).toContain("GT_CLOUD_API_KEY");
  });

  it.each([
    ["apiKey option", { apiKey: "  \t ", structureRunId: "r", env: {} }, "apiKey"],
    [
      "GT_CLOUD_API_KEY (as unset)",
      { env: { GT_CLOUD_STRUCTURE_RUN_ID: "r", GT_CLOUD_API_KEY: " \n" } },
      "GT_CLOUD_API_KEY",
    ],
    ["structureRunId option", { structureRunId: "   ", apiKey: "k", env: {} }, "structureRunId"],
    ["baseUrl option", { ...RUN_AND_KEY_OPTIONS, baseUrl: "", env: {} }, "baseUrl"],
  ])("refuses a blank %s", (_, options, variable) => {
    expect(configError(options).variable).toBe(variable);
  });

  describe("never puts the key's value in a message", () => {
    const KEY = "sk-live-0123456789abcdef-SECRET";
    it.each<[string, GriptapeCloudEventListenerDriverOptions]>([
      ["blank run id", { apiKey: KEY, structureRunId: " ", env: {} }],
      ["no run id", { apiKey: KEY, env: {} }],
      ["blank-ish key", { structureRunId: "r", env: { GT_CLOUD_API_KEY: " \t\n " } }],
      ["a non-http base URL", { apiKey: KEY, structureRunId: "r", baseUrl: "ftp://example.com", env: {} }],
      ["plain http to a remote host", { apiKey: KEY, structureRunId: "r", baseUrl: "http://example.com", env: {} }],
      [
        "the key as the base URL's password",
        { apiKey: KEY, structureRunId: "r", baseUrl: `https://u:${KEY}@x.io`, env: {} },
      ],
      [
        "the key pasted into GT_CLOUD_BASE_URL",
        { env: { ...RUN_AND_KEY, GT_CLOUD_API_KEY: KEY, GT_CLOUD_BASE_URL: KEY } },
      ],
      ["the key pasted into the baseUrl option", { apiKey: KEY, structureRunId: "r", baseUrl: KEY, env: {} }],
      ["a bad tuning variable", { apiKey: KEY, structureRunId: "r", env: { GT_EVENTS_MAX_RETRIES: "abc" } }],
      ["a bad tuning option", { apiKey: KEY, structureRunId: "r", maxBatchEvents: 0, env: {} }],
    ])("%s", (_, options) => {
      const error = configError(options);
      expect(error.message).not.toContain(KEY);
      expect(String(error.stack)).not.toContain(KEY);
      expect(JSON.stringify(error)).not.toContain(KEY);
    });
  });

  it.each([
    "ftp://example.com",
    "file:///tmp/x",
    "ws://127.0.0.1:1",
    "javascript:alert(1)",
    "cloud.griptape.ai",
    "not a url",
  ])("refuses the base URL %j (not http(s))", (baseUrl) => {
    expect(configError({ ...FAST, baseUrl }).variable).toBe("baseUrl");
    expect(configError({ env: { ...RUN_AND_KEY, GT_CLOUD_BASE_URL: baseUrl } }).variable).toBe("GT_CLOUD_BASE_URL");
  });

  it.each(["https://user:pass@cloud.example.com", "https://user@cloud.example.com", "http://:pw@127.0.0.1:1"])(
    "refuses a base URL with credentials (%s) without quoting them",
    (baseUrl) => {
      const error = configError({ ...FAST, baseUrl });
      expect(error.variable).toBe("baseUrl");
      expect(error.message).toContain("credentials");
      expect(error.message).not.toMatch(/pass|pw/);
    },
  );

  it.each(["http://example.com", "http://10.0.0.1:8080", "http://127.0.0.1.example.com", "http://localhost.evil.io"])(
    "refuses plain http to the non-loopback host %s unless allowInsecureHttp",
    (baseUrl) => {
      const error = configError({ ...FAST, baseUrl });
      expect(error.variable).toBe("baseUrl");
      expect(error.message).toContain("allowInsecureHttp");
      expect(configError({ env: { ...RUN_AND_KEY, GT_CLOUD_BASE_URL: baseUrl } }).variable).toBe("GT_CLOUD_BASE_URL");
      expect(h.driver({ ...FAST, baseUrl, allowInsecureHttp: true }).baseUrl).toBe(new URL(baseUrl).href);
    },
  );

  it.each([
    "http://127.0.0.1:1234",
    "http://127.10.20.30",
    "http://localhost:1234/p",
    "http://[::1]:1234",
    "https://example.com",
  ])("allows %s", (baseUrl) => {
    expect(h.driver({ ...FAST, baseUrl }).baseUrl).toBe(new URL(baseUrl).href);
  });

  const TUNING_VARIABLES = [
    "GT_EVENTS_MAX_BATCH_EVENTS",
    "GT_EVENTS_MAX_BATCH_BYTES",
    "GT_EVENTS_MAX_QUEUE_EVENTS",
    "GT_EVENTS_MAX_QUEUE_BYTES",
    "GT_EVENTS_REQUEST_TIMEOUT_MS",
    "GT_EVENTS_MAX_RETRIES",
  ];
  it.each(
    TUNING_VARIABLES.flatMap((variable) =>
      ["10ms", "-1", "1.5", "abc", "1e3", "0x10"].map((value) => [variable, value]),
    ),
  )("refuses %s=%j, naming the variable", (variable, value) => {
    const error = configError({ ...FAST, env: { [variable]: value } });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it.each([
    ["GT_EVENTS_MAX_BATCH_EVENTS", "0"],
    ["GT_EVENTS_MAX_BATCH_BYTES", "1023"],
    ["GT_EVENTS_MAX_QUEUE_EVENTS", "0"],
    ["GT_EVENTS_MAX_QUEUE_BYTES", "1023"],
    ["GT_EVENTS_REQUEST_TIMEOUT_MS", "0"],
    ["GT_EVENTS_MAX_CONCURRENT_REQUESTS", "0"],
    ["GT_EVENTS_MAX_RETRIES", "99999999999999999999"],
  ])("refuses the out-of-range %s=%s, naming the variable", (variable, value) => {
    const error = configError({ ...FAST, env: { [variable]: value } });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it("accepts 0 where 0 means something (no retries, no linger)", () => {
    expect(() => h.driver({ ...FAST, env: { GT_EVENTS_MAX_RETRIES: "0", GT_EVENTS_LINGER_MS: "0" } })).not.toThrow();
  });

  it.each<[keyof BatchingOptions, number]>([
    ["maxBatchEvents", 0],
    ["maxBatchEvents", 1.5],
    ["maxRetries", -1],
    ["requestTimeoutMs", Number.NaN],
    ["maxQueueBytes", 10],
  ])("refuses the option %s: %d, naming the option", (key, value) => {
    expect(configError({ ...FAST, [key]: value }).variable).toBe(key);
  });

  it("refuses a batch larger than the queue", () => {
    const error = configError({ ...FAST, maxBatchBytes: 4096, maxQueueBytes: 2048 });
    expect(error.variable).toBe("maxBatchBytes");
  });
});
