import * as z from "zod";
import { MAX_DELAY_SETTING_MS } from "../delays.js";
import { quoteValue } from "../describe-value.js";
import { ConfigError } from "../errors.js";

/** Prefix of the tuning environment variables: `GT_EVENTS_MAX_BATCH_EVENTS`, … */
export const TUNING_ENV_PREFIX = "GT_EVENTS_";

/**
 * Defaults of the batching driver, in one place (the README's table mirrors it).
 * Why each value: see the README's "Tuning" table.
 */
export const DEFAULT_BATCHING_OPTIONS = {
  maxBatchEvents: 500,
  maxBatchBytes: 1024 * 1024,
  maxQueueEvents: 100_000,
  maxQueueBytes: 32 * 1024 * 1024,
  maxConcurrentRequests: 1,
  lingerMs: 0,
  requestTimeoutMs: 10_000,
  maxRetries: 10,
  retryInitialDelayMs: 100,
  retryMaxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
  shutdownTimeoutMs: 10_000,
} as const;

export type BatchingOptions = { -readonly [K in keyof typeof DEFAULT_BATCHING_OPTIONS]: number };

const positiveInt = z.int().min(1);
const nonNegativeInt = z.int().nonnegative();
/** A delay in ms: bounded, since Node's timers turn anything above 2^31-1 into 1 ms (see src/delays.ts). */
export const delaySetting = (min: number): z.ZodType<number> => z.int().min(min).max(MAX_DELAY_SETTING_MS);

const OPTION_SCHEMAS: { [K in keyof BatchingOptions]: z.ZodType<number> } = {
  maxBatchEvents: positiveInt,
  // Room for at least one ordinary event and the array brackets.
  maxBatchBytes: z.int().min(1024),
  maxQueueEvents: positiveInt,
  maxQueueBytes: z.int().min(1024),
  maxConcurrentRequests: positiveInt,
  lingerMs: delaySetting(0),
  requestTimeoutMs: delaySetting(1),
  maxRetries: nonNegativeInt,
  retryInitialDelayMs: delaySetting(0),
  retryMaxDelayMs: delaySetting(0),
  maxRetryAfterMs: delaySetting(0),
  shutdownTimeoutMs: delaySetting(0),
};

/** `maxBatchEvents` → `GT_EVENTS_MAX_BATCH_EVENTS`. */
export function tuningEnvName(option: string): string {
  return TUNING_ENV_PREFIX + option.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

/**
 * Resolves every tuning option with the precedence option > env var > default, validating each once.
 * A bad value is a `ConfigError` naming the option or variable, at construction.
 */
export function resolveBatchingOptions(
  options: Partial<BatchingOptions>,
  env: Readonly<Record<string, string | undefined>>,
): BatchingOptions {
  const resolved = { ...DEFAULT_BATCHING_OPTIONS } as BatchingOptions;
  for (const key of Object.keys(OPTION_SCHEMAS) as (keyof BatchingOptions)[]) {
    resolved[key] = resolveIntegerSetting(key, options[key], env, OPTION_SCHEMAS[key]) ?? resolved[key];
  }
  if (resolved.maxBatchBytes > resolved.maxQueueBytes) {
    throw new ConfigError("maxBatchBytes", "maxBatchBytes cannot exceed maxQueueBytes");
  }
  return resolved;
}

/**
 * One integer setting: the option if given, else its `GT_EVENTS_…` variable, else undefined (use the default).
 * A bad value is a `ConfigError` naming the option or the variable.
 */
export function resolveIntegerSetting(
  key: string,
  given: number | undefined,
  env: Readonly<Record<string, string | undefined>>,
  schema: z.ZodType<number>,
): number | undefined {
  if (given !== undefined) {
    const parsed = schema.safeParse(given);
    if (!parsed.success) {
      throw new ConfigError(key, `option ${key} must be ${describe(schema)}; got ${quoteValue(given)}`);
    }
    return parsed.data;
  }
  const name = tuningEnvName(key);
  const value = readEnv(env, name);
  const raw = typeof value === "string" ? value.trim() : value;
  if (raw === undefined || raw === "") return undefined;
  // Number("") and Number("1e3") are numbers, "10ms" is not: only plain decimal integers are accepted.
  const parsed = typeof raw === "string" && /^\d+$/.test(raw) ? schema.safeParse(Number(raw)) : undefined;
  if (parsed === undefined || !parsed.success) {
    throw new ConfigError(name, `environment variable ${name} must be ${describe(schema)}; got ${quoteValue(raw)}`);
  }
  return parsed.data;
}

function describe(schema: z.ZodType<number>): string {
  const min = (schema as z.ZodNumber).minValue ?? 0;
  const max = (schema as z.ZodNumber).maxValue;
  if (typeof max === "number" && max < Number.MAX_SAFE_INTEGER) {
    return `an integer from ${min} to ${max}`;
  }
  return min > 0 ? `an integer >= ${min}` : "a non-negative integer";
}

/**
 * `env[name]`, read so that an environment object that throws (a Proxy) is a ConfigError naming the variable
 * rather than an error of its own from deep inside the library.
 */
export function readEnv(env: Readonly<Record<string, string | undefined>>, name: string): unknown {
  try {
    return env[name];
  } catch {
    throw new ConfigError(name, `environment variable ${name} could not be read from the env option`);
  }
}
