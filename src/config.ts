import * as z from "zod";
import { MAX_DELAY_SETTING_MS } from "./delays.js";
import { quoteValue } from "./describe-value.js";
import { ConfigError } from "./errors.js";
import { redactSecret, redactUrlCredentials } from "./redact.js";

// The one home of settings: the environment variables the library reads, the Events API's default address, and how
// a setting is read (option > environment variable > default, validated once, a bad value a ConfigError naming the
// option or the variable). The Cloud driver, runStructure, the emulator, the client and the CLI all read through
// here, so one rule holds for every setting: a variable that is empty or only whitespace counts as unset, and an
// option given as a blank string is a ConfigError (see `readEnvSetting` and `resolveStringSetting`).

/** Where settings are read: `process.env` unless an `env` option says otherwise. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The environment variables the library reads. */
export const ENV = {
  /** The run a structure reports to; set by Griptape Cloud and the local runtime. Its presence selects the Cloud driver. */
  structureRunId: "GT_CLOUD_STRUCTURE_RUN_ID",
  /** The bearer key of the Events API. */
  apiKey: "GT_CLOUD_API_KEY",
  /** The Events API's base URL. */
  baseUrl: "GT_CLOUD_BASE_URL",
  /** The local emulator's master key. */
  emulatorApiKey: "GT_EMULATOR_API_KEY",
  /** The default logger's format: `text` or `json`. */
  logFormat: "GT_EVENTS_LOG_FORMAT",
} as const;

/** Prefix of the tuning variables: option `maxBatchEvents` is read from `GT_EVENTS_MAX_BATCH_EVENTS`. */
const TUNING_ENV_PREFIX = "GT_EVENTS_";

/** Where the Events API is when neither an option nor `GT_CLOUD_BASE_URL` says otherwise. */
export const DEFAULT_BASE_URL = "https://cloud.griptape.ai";

/** `maxBatchEvents` → `GT_EVENTS_MAX_BATCH_EVENTS`. */
export function tuningEnvName(option: string): string {
  return TUNING_ENV_PREFIX + option.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

/**
 * `env[name]`, read so that an environment object that throws (a Proxy) is a ConfigError naming the variable
 * rather than an error of its own from deep inside the library.
 */
export function readEnv(env: Env, name: string): unknown {
  try {
    return env[name];
  } catch {
    throw new ConfigError(name, `environment variable ${name} could not be read from the env option`);
  }
}

/**
 * A variable as a setting: undefined when unset, empty or only whitespace, else its value trimmed. A blank variable
 * counts as unset because that is what `VAR=` in a shell, `-e VAR=` in docker or an empty CI secret usually mean
 * (OpenTelemetry's SDKs read their variables the same way); a value that is not a string (from an `env` option) is a
 * ConfigError naming the variable.
 */
export function readEnvSetting(env: Env, name: string): string | undefined {
  const value = readEnv(env, name);
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new ConfigError(name, `environment variable ${name} must be a string`);
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** Whether `name` is set but blank, for messages that say why a set variable was not used. Never throws. */
function isBlank(env: Env, name: string): boolean {
  try {
    const value = env[name];
    return typeof value === "string" && value.trim() === "";
  } catch {
    return false;
  }
}

/** For a message: " (NAME is set but blank, which counts as unset)" when it is, else "". */
export function blankNote(env: Env, name: string): string {
  return isBlank(env, name) ? ` (${name} is set but blank, which counts as unset)` : "";
}

/** A delay in ms: bounded, since Node's timers turn anything above 2^31-1 into 1 ms (see src/delays.ts). */
export const delaySetting = (min: number): z.ZodType<number> => z.int().min(min).max(MAX_DELAY_SETTING_MS);

/**
 * One integer setting: the option if given, else its `GT_EVENTS_…` variable, else undefined (the caller's default).
 * A bad value is a `ConfigError` naming the option or the variable.
 */
export function resolveIntegerSetting(
  key: string,
  given: number | undefined,
  env: Env,
  schema: z.ZodType<number>,
): number | undefined {
  if (given !== undefined) {
    const parsed = schema.safeParse(given);
    if (!parsed.success) {
      throw new ConfigError(key, `option ${key} must be ${describeRange(schema)}; got ${quoteValue(given)}`);
    }
    return parsed.data;
  }
  const name = tuningEnvName(key);
  const raw = readEnvSetting(env, name);
  if (raw === undefined) return undefined;
  // Number("1e3") and Number("0x10") are numbers, "10ms" is not: only plain decimal integers are accepted.
  const parsed = /^\d+$/.test(raw) ? schema.safeParse(Number(raw)) : undefined;
  if (parsed === undefined || !parsed.success) {
    throw new ConfigError(
      name,
      `environment variable ${name} must be ${describeRange(schema)}; got ${quoteValue(raw)}`,
    );
  }
  return parsed.data;
}

function describeRange(schema: z.ZodType<number>): string {
  const min = (schema as z.ZodNumber).minValue ?? 0;
  const max = (schema as z.ZodNumber).maxValue;
  if (typeof max === "number" && max < Number.MAX_SAFE_INTEGER) return `an integer from ${min} to ${max}`;
  return min > 0 ? `an integer >= ${min}` : "a non-negative integer";
}

/**
 * One string setting, trimmed: the option if given, else the variable (`readEnvSetting`: blank counts as unset);
 * undefined when neither is. An option that is not a string, or is empty or only whitespace, is a `ConfigError`
 * naming it: an option is written in code, where a blank one is a mistake (often `process.env.X ?? ""`), and taking
 * it as unset would silently use another value. The value itself is never quoted (it may be a key).
 */
export function resolveStringSetting(
  option: string | undefined,
  optionName: string,
  env: Env,
  variable: string,
): string | undefined {
  if (option === undefined) return readEnvSetting(env, variable);
  const value: unknown = option;
  if (typeof value !== "string") throw new ConfigError(optionName, `${optionName} must be a string`);
  const trimmed = value.trim();
  if (trimmed === "") {
    throw new ConfigError(optionName, `${optionName} must not be blank: leave it out to use ${variable}`);
  }
  return trimmed;
}

/** A bearer key: one token of printable ASCII, as an HTTP header value can carry it. */
const API_KEY_PATTERN = /^[\x21-\x7e]+$/;

/**
 * Refuses a key that cannot travel in an HTTP header, at construction rather than as a request that fails for every
 * batch. Keys are printable ASCII: a line break, a control character, a space or a non-ASCII character is a
 * copy-and-paste accident. The message says where, never what.
 */
export function checkApiKey(apiKey: string, source: string): void {
  if (API_KEY_PATTERN.test(apiKey) && !/^bearer\s/i.test(apiKey)) return;
  if (/^bearer\s/i.test(apiKey)) {
    throw new ConfigError(source, `${source} starts with "Bearer ": set the key alone; the header adds "Bearer"`);
  }
  if (apiKey === "") throw new ConfigError(source, `${source} is empty`);
  const bad = /[^\x21-\x7e]/.exec(apiKey)!;
  const code = bad[0].charCodeAt(0);
  const what =
    bad[0] === "\n" || bad[0] === "\r"
      ? "a line break"
      : code < 0x20 || code === 0x7f
        ? "a control character"
        : bad[0] === " "
          ? "a space"
          : "a non-ASCII character";
  throw new ConfigError(
    source,
    `${source} has ${what} at position ${bad.index + 1} of ${apiKey.length}: an API key is printable ASCII with no spaces, so it cannot be sent in an HTTP header. Copy the key again`,
  );
}

/** What a structure needs to report to the Events API. */
export interface CloudSettings {
  baseUrl: URL;
  apiKey: string;
  structureRunId: string;
}

/** The Cloud connection's options, as the Cloud driver takes them. */
export interface CloudOptions {
  baseUrl?: string;
  apiKey?: string;
  structureRunId?: string;
  allowInsecureHttp?: boolean;
}

/**
 * Whether the environment names a run to report to (Griptape Cloud and the local runtime set it); a blank
 * `GT_CLOUD_STRUCTURE_RUN_ID` does not.
 */
export function reportsToCloud(env: Env): boolean {
  return readEnvSetting(env, ENV.structureRunId) !== undefined;
}

/**
 * The run id, key and base URL, each option > environment variable > default, checked: a missing run id or key, a
 * key a header cannot carry, a base URL that is not http(s), carries credentials, or is plain http to a host that
 * is not loopback. Every refusal is a ConfigError naming the option or variable, quoting no secret.
 */
export function resolveCloudSettings(options: CloudOptions, env: Env): CloudSettings {
  const structureRunId = resolveStringSetting(options.structureRunId, "structureRunId", env, ENV.structureRunId);
  if (structureRunId === undefined) {
    throw new ConfigError(
      ENV.structureRunId,
      `no structure run id${blankNote(env, ENV.structureRunId)}: set ${ENV.structureRunId} (Griptape Cloud sets it) or pass structureRunId`,
    );
  }
  if (structureRunId === "." || structureRunId === "..") {
    // A dot segment: no percent-encoding keeps it in the route (URL parsers resolve "%2e%2e" too).
    const source = options.structureRunId !== undefined ? "structureRunId" : ENV.structureRunId;
    throw new ConfigError(source, `${source} "${structureRunId}" is not a structure run id`);
  }
  const apiKey = resolveStringSetting(options.apiKey, "apiKey", env, ENV.apiKey);
  if (apiKey === undefined) {
    throw new ConfigError(
      ENV.apiKey,
      `no API key${blankNote(env, ENV.apiKey)}: set ${ENV.apiKey} (Griptape Cloud sets it) or pass apiKey`,
    );
  }
  checkApiKey(apiKey, options.apiKey !== undefined ? "apiKey" : ENV.apiKey);
  return { structureRunId, apiKey, baseUrl: resolveBaseUrl(options, env, apiKey) };
}

function resolveBaseUrl(options: CloudOptions, env: Env, apiKey: string): URL {
  const source = options.baseUrl !== undefined ? "baseUrl" : ENV.baseUrl;
  const raw = resolveStringSetting(options.baseUrl, "baseUrl", env, ENV.baseUrl) ?? DEFAULT_BASE_URL;
  return checkBaseUrl(raw, { source, apiKey, allowInsecureHttp: options.allowInsecureHttp === true });
}

/** How `checkBaseUrl` names the setting, the key to keep out of its messages, and the plain-http escape hatch. */
export interface BaseUrlCheck {
  /** The option, flag or variable the URL came from, named in every refusal. */
  source: string;
  /** Censored wherever the URL is quoted. */
  apiKey: string;
  allowInsecureHttp: boolean;
  /** What the refusal of plain http tells the user to set. Default `pass allowInsecureHttp: true`. */
  insecureHttpHint?: string;
}

/**
 * An Events API base URL as every sender of the key checks it (the Cloud driver, `EventsClient`, `tail`): http(s),
 * no credentials (any "@"), and plain http only to a loopback host unless `allowInsecureHttp`. Returns it without
 * query or fragment; a refusal is a ConfigError naming `source`, quoting no secret.
 */
export function checkBaseUrl(raw: string, check: BaseUrlCheck): URL {
  const { source, apiKey } = check;
  // Any "@", not only what the parser calls userinfo: "https://u\\:pw@h" parses as host "u" and a path holding
  // the password, and an API base URL has no use for "@" elsewhere.
  if (raw.includes("@")) {
    throw new ConfigError(source, `${source} must not carry credentials (it contains "@"); use ${ENV.apiKey}`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Quoted to help, but neither a key pasted into the wrong variable nor a password in a URL that does not
    // parse may reach a log through this message; quoteValue also escapes control characters and cuts it short.
    throw new ConfigError(
      source,
      `${source} is not a URL: ${quoteValue(redactUrlCredentials(redactSecret(raw, apiKey)))}`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(source, `${source} must be an http(s) URL, got ${url.protocol}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new ConfigError(source, `${source} must not carry credentials; use ${ENV.apiKey}`);
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname) && !check.allowInsecureHttp) {
    throw new ConfigError(
      source,
      // The host name is lower-cased by the parser: a key pasted as the host must not show even so.
      `${source} uses plain http to ${redactSecret(url.hostname, apiKey.toLowerCase())}: the API key would travel unencrypted. Use https, or ${check.insecureHttpHint ?? "pass allowInsecureHttp: true"}`,
    );
  }
  url.search = "";
  url.hash = "";
  return url;
}

/** Whether a URL's `hostname` names this machine's loopback interface (`localhost`, 127.0.0.0/8, `[::1]`). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}
