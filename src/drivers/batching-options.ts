import * as z from "zod";
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

const OPTION_SCHEMAS: { [K in keyof BatchingOptions]: z.ZodType<number> } = {
  maxBatchEvents: positiveInt,
  // Room for at least one ordinary event and the array brackets.
  maxBatchBytes: z.int().min(1024),
  maxQueueEvents: positiveInt,
  maxQueueBytes: z.int().min(1024),
  maxConcurrentRequests: positiveInt,
  lingerMs: nonNegativeInt,
  requestTimeoutMs: positiveInt,
  maxRetries: nonNegativeInt,
  retryInitialDelayMs: nonNegativeInt,
  retryMaxDelayMs: nonNegativeInt,
  maxRetryAfterMs: nonNegativeInt,
  shutdownTimeoutMs: nonNegativeInt,
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
    if (!parsed.success) throw new ConfigError(key, `option ${key} must be ${describe(schema)}; got ${String(given)}`);
    return parsed.data;
  }
  const name = tuningEnvName(key);
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return undefined;
  // Number("") and Number("1e3") are numbers, "10ms" is not: only plain decimal integers are accepted.
  const parsed = /^\d+$/.test(raw) ? schema.safeParse(Number(raw)) : undefined;
  if (parsed === undefined || !parsed.success) {
    throw new ConfigError(name, `environment variable ${name} must be ${describe(schema)}; got "${raw}"`);
  }
  return parsed.data;
}

function describe(schema: z.ZodType<number>): string {
  const min = (schema as z.ZodNumber).minValue ?? 0;
  return min > 0 ? `an integer >= ${min}` : "a non-negative integer";
}
