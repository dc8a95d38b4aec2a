import * as z from "zod";
import { delaySetting, type Env, resolveIntegerSetting } from "../config.js";
import { ConfigError } from "../errors.js";

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
  lingerMs: delaySetting(0),
  requestTimeoutMs: delaySetting(1),
  maxRetries: nonNegativeInt,
  retryInitialDelayMs: delaySetting(0),
  retryMaxDelayMs: delaySetting(0),
  maxRetryAfterMs: delaySetting(0),
  shutdownTimeoutMs: delaySetting(0),
};

/**
 * Resolves every tuning option with the precedence option > env var > default, validating each once.
 * A bad value is a `ConfigError` naming the option or variable, at construction.
 */
export function resolveBatchingOptions(options: Partial<BatchingOptions>, env: Env): BatchingOptions {
  const resolved = { ...DEFAULT_BATCHING_OPTIONS } as BatchingOptions;
  for (const key of Object.keys(OPTION_SCHEMAS) as (keyof BatchingOptions)[]) {
    resolved[key] = resolveIntegerSetting(key, options[key], env, OPTION_SCHEMAS[key]) ?? resolved[key];
  }
  if (resolved.maxBatchBytes > resolved.maxQueueBytes) {
    throw new ConfigError("maxBatchBytes", "maxBatchBytes cannot exceed maxQueueBytes");
  }
  return resolved;
}
