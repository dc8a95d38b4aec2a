/**
 * GriptapeCloudEventListenerDriver's configuration against hostile input: API keys that cannot travel in an HTTP
 * header, base URLs whose credentials must never be quoted, and delay settings that would overflow Node's timers.
 * Property-based: the inputs vary.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { tuningEnvName } from "../../src/config.js";
import { MAX_DELAY_SETTING_MS } from "../../src/delays.js";
import { resolveBatchingOptions } from "../../src/drivers/batching-options.js";
import {
  ConfigError,
  GriptapeCloudEventListenerDriver,
  type GriptapeCloudEventListenerDriverOptions,
} from "../../src/index.js";
import { captureLogger, FAST, Harness } from "../support/delivery-harness.js";
import { throwingProxy, thrownValue } from "../support/hostile-values.js";

const h = new Harness();
afterEach(() => h.cleanup());

function configError(options: GriptapeCloudEventListenerDriverOptions): ConfigError {
  try {
    h.driver(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError, the driver was constructed");
}

/** Everything a message, its stack or its JSON form could show. */
function shown(error: Error): string {
  return `${error.message}\n${String(error.stack)}\n${JSON.stringify(error)}`;
}

const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) });
const notInHeader = fc.oneof(
  fc.constantFrom("\n", "\r", "\u0001", "\u0000", "\u007f", " ", "\t", "é", "😀", "\u2028", "“"),
  fc.integer({ min: 0x80, max: 0xffff }).map((c) => String.fromCharCode(c)),
);

describe("API keys that cannot be sent in an HTTP header", () => {
  it("are refused at construction, naming the variable and never quoting the key (property)", () => {
    fc.assert(
      fc.property(printable, notInHeader, printable, (before, bad, after) => {
        const key = `sk-${before}KEYBODY${bad}${after}`;
        if (key.trim() !== key) return; // a key with edge whitespace is trimmed first; covered below
        const fromEnv = configError({ env: { GT_CLOUD_STRUCTURE_RUN_ID: "r", GT_CLOUD_API_KEY: key } });
        expect(fromEnv.variable).toBe("GT_CLOUD_API_KEY");
        expect(fromEnv.message).toContain("GT_CLOUD_API_KEY");
        const fromOption = configError({ apiKey: key, structureRunId: "r", env: {} });
        expect(fromOption.variable).toBe("apiKey");
        for (const error of [fromEnv, fromOption]) {
          expect(shown(error)).not.toContain(`sk-${before}KEYBODY`);
          expect(shown(error)).not.toContain(key);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("says where the bad character is and what it is, so the user can find it", () => {
    const error = configError({ env: { GT_CLOUD_STRUCTURE_RUN_ID: "r", GT_CLOUD_API_KEY: "sk-abc\ndef" } });
    expect(error.message).toMatch(/a line break at position 7 of 10/);
    expect(configError({ apiKey: "Bearer sk-abc", structureRunId: "r", env: {} }).message).toContain('"Bearer "');
  });

  it("accepts any printable ASCII key, and sends it exactly (property, real server)", async () => {
    const server = await h.server({ apiKey: "unused" });
    await fc.assert(
      fc.asyncProperty(
        printable.filter((k) => k.length > 0 && !/^bearer/i.test(k)),
        async (key) => {
          server.reset();
          const driver = h.driver({ ...FAST, apiKey: key, baseUrl: server.url, logger: captureLogger().logger });
          h.bus(driver).publishEvent({ type: "A" });
          await driver.flush({ timeoutMs: 5000 });
          expect(server.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${key}`]);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("base URLs with credentials", () => {
  const hostPart = fc.constantFrom("bad host.example", "[::1", "exa mple.com:99999", "%zz", "host:port");
  it("are never quoted, whether they parse or not (property)", () => {
    fc.assert(
      fc.property(printable, printable, hostPart, (user, secret, host) => {
        const password = `PW${secret}`;
        for (const raw of [`https://${user}:${password}@${host}/p`, `https://${user}:${password}@example.com/`]) {
          for (const options of [
            { ...FAST, baseUrl: raw },
            { env: { GT_CLOUD_STRUCTURE_RUN_ID: "r", GT_CLOUD_API_KEY: "k", GT_CLOUD_BASE_URL: raw } },
          ]) {
            let error: unknown;
            try {
              new GriptapeCloudEventListenerDriver({ ...options, logger: captureLogger().logger });
            } catch (e) {
              error = e;
            }
            // Refused even when a `#` or `\\` in the user name makes the parser see no credentials at all.
            expect(error).toBeInstanceOf(ConfigError);
            expect(shown(error as Error)).toContain("credentials");
            expect(shown(error as Error)).not.toContain(password);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("an unparseable URL without credentials is quoted to help, escaped and cut short", () => {
    const error = configError({ ...FAST, baseUrl: "https://bad host\u001b[31m.example" });
    expect(error.message).toContain('"https://bad host\\u001b[31m.example"');
    expect(configError({ ...FAST, baseUrl: `https://${"x".repeat(10_000)} y` }).message.length).toBeLessThan(300);
  });
});

const DELAY_OPTIONS = [
  "lingerMs",
  "requestTimeoutMs",
  "retryInitialDelayMs",
  "retryMaxDelayMs",
  "maxRetryAfterMs",
  "shutdownTimeoutMs",
] as const;

describe("delay settings are bounded (Node's timers overflow past 2^31-1 ms)", () => {
  it("GT_EVENTS_MAX_RETRY_AFTER_MS=3000000000 is refused, naming the variable", () => {
    const error = configError({ ...FAST, env: { GT_EVENTS_MAX_RETRY_AFTER_MS: "3000000000" } });
    expect(error.variable).toBe("GT_EVENTS_MAX_RETRY_AFTER_MS");
    expect(error.message).toContain(String(MAX_DELAY_SETTING_MS));
  });

  it("every delay setting, option or variable: a value is accepted exactly when it is within a day (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DELAY_OPTIONS),
        fc.oneof(fc.integer({ min: 0, max: MAX_DELAY_SETTING_MS }), fc.integer({ min: MAX_DELAY_SETTING_MS + 1 })),
        fc.boolean(),
        (key, value, viaEnv) => {
          const given = viaEnv ? {} : { [key]: value };
          const env = viaEnv ? { [tuningEnvName(key)]: String(value) } : {};
          const acceptable = value <= MAX_DELAY_SETTING_MS && (key !== "requestTimeoutMs" || value >= 1);
          if (acceptable) {
            expect(resolveBatchingOptions(given, env)[key]).toBe(value);
          } else {
            expect(() => resolveBatchingOptions(given, env)).toThrow(
              expect.objectContaining({ code: "ERR_CONFIG", variable: viaEnv ? tuningEnvName(key) : key }),
            );
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("any value for any option or variable", () => {
  const KEYS = [
    "baseUrl",
    "apiKey",
    "structureRunId",
    "maxBatchEvents",
    "maxBatchBytes",
    "maxQueueEvents",
    "requestTimeoutMs",
    "maxRetries",
    "maxRetryAfterMs",
    "shutdownTimeoutMs",
  ] as const;

  const CLOUD_VARIABLES: Partial<Record<string, string>> = {
    baseUrl: "GT_CLOUD_BASE_URL",
    apiKey: "GT_CLOUD_API_KEY",
    structureRunId: "GT_CLOUD_STRUCTURE_RUN_ID",
  };

  it("either makes a driver or is a ConfigError, never another error (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KEYS),
        thrownValue,
        fc.constantFrom("option", "variable", "env object" as const),
        (key, make, where) => {
          const value = make();
          const base: Record<string, unknown> = {
            structureRunId: "r",
            apiKey: "k",
            baseUrl: "http://127.0.0.1:9",
            logger: captureLogger().logger,
          };
          const variable = CLOUD_VARIABLES[key] ?? tuningEnvName(key);
          let options: Record<string, unknown>;
          if (where === "option") options = { ...base, env: {}, [key]: value };
          else if (where === "variable") {
            delete base[key];
            options = { ...base, env: { [variable]: value } };
          } else options = { ...base, env: throwingProxy() };
          try {
            new GriptapeCloudEventListenerDriver(options as GriptapeCloudEventListenerDriverOptions);
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
