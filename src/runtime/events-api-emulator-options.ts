import * as z from "zod";
import { checkApiKey, delaySetting, ENV, type Env, readEnvSetting } from "../config.js";
import { ConfigError } from "../errors.js";
import { getDefaultLogger, type Logger } from "../logger.js";
import { generateApiKey } from "./api-keys.js";

/**
 * Defaults of `EventsApiEmulator`, in one place (the README's table mirrors it).
 * - `host` loopback only: the emulator has no TLS, and keys would travel in clear on a network.
 * - `port` 0: the system picks a free port; read it back from `emulator.url`.
 * - `maxBodyBytes` 4 MiB: above the driver's default batch cap (1 MiB) with room, small enough to refuse a runaway body.
 * - `maxPendingBodyBytes` 64 MiB: request bodies held at once, all requests together (16 bodies of the largest
 *   size); past it a request gets 429 with `Retry-After`, so many slow uploads cannot exhaust memory.
 * - `headersTimeoutMs` 10 s, `bodyTimeoutMs` 30 s: a request's headers, then its body, must arrive within these
 *   (408 otherwise), so a client trickling bytes cannot hold a connection and its buffers for minutes. A 4 MiB
 *   body at 1 Mbit/s takes ~34 s; on loopback it takes milliseconds.
 * - `streamStallTimeoutMs` 30 s: an event stream whose reader has accepted nothing for this long while events wait
 *   is dropped (the reader resumes from its last offset). A stalled reader holds at most a socket's buffers.
 * - `eventsFile` undefined: events live in memory only. A path appends each stored EventDetail as an NDJSON line.
 * - `apiKey` undefined: `GT_EMULATOR_API_KEY` if set, else a random master key (256 bits); read it from
 *   `emulator.apiKey`.
 * - `logger` undefined: the library's default logger (warnings and errors to stderr, keys redacted).
 * - `keepAliveIntervalMs` 15 s: a `: ping` comment on open event streams, under common 30-60 s idle timeouts.
 */
export const EVENTS_API_EMULATOR_DEFAULTS = {
  host: "127.0.0.1",
  port: 0,
  maxBodyBytes: 4 * 1024 * 1024,
  maxPendingBodyBytes: 64 * 1024 * 1024,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  streamStallTimeoutMs: 30_000,
  eventsFile: undefined,
  apiKey: undefined,
  logger: undefined,
  keepAliveIntervalMs: 15_000,
} as const;

/** `GET …/events` paging: `limit` when none is given, and the most one page holds (a larger `limit` is capped). */
export const EVENTS_PAGE_DEFAULT_LIMIT = 100;
export const EVENTS_PAGE_MAX_LIMIT = 1000;

/**
 * Deepest nesting of arrays and objects accepted in a request body. An event nested deeper could not be read back
 * by every reader (Python's json stops near its recursion limit of 1000; JSON.stringify overflows the stack a few
 * thousand levels down), so it is refused with 400 rather than stored.
 */
export const MAX_JSON_DEPTH = 1000;

export interface EventsApiEmulatorOptions {
  /** Interface to listen on. Default "127.0.0.1". */
  host?: string;
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Largest accepted request body in bytes; larger ones get 413. Default 4 MiB. */
  maxBodyBytes?: number;
  /** Request body bytes held at once, all requests together; past it, 429 with `Retry-After`. Default 64 MiB. */
  maxPendingBodyBytes?: number;
  /** Time for a request's headers to arrive; then 408. Default 10 000 ms. */
  headersTimeoutMs?: number;
  /** Time for a request's body to arrive once its headers have; then 408. Default 30 000 ms. */
  bodyTimeoutMs?: number;
  /** An event stream whose reader accepts nothing for this long while events wait is dropped. Default 30 000 ms. */
  streamStallTimeoutMs?: number;
  /** Append every stored EventDetail (SYSTEM and USER) to this file as one NDJSON line. Default: none. */
  eventsFile?: string;
  /**
   * Master key: reads every run, creates runs, may post to any run. Default: `GT_EMULATOR_API_KEY`, else generated.
   * Visible ASCII only (it travels in a header). Never logged, never passed to a structure.
   */
  apiKey?: string;
  /** pino logger. Default: the library's (warnings and errors to stderr). */
  logger?: Logger;
  /** Interval of `: ping` comments on open event streams. Default 15 000 ms. */
  keepAliveIntervalMs?: number;
  /** Where `GT_EMULATOR_API_KEY` is read. Default `process.env`. */
  env?: Env;
}

export interface ResolvedEmulatorOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  maxPendingBodyBytes: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  streamStallTimeoutMs: number;
  eventsFile: string | undefined;
  apiKey: string;
  logger: Logger;
  keepAliveIntervalMs: number;
}

const delay = () => delaySetting(1).optional();

const OptionsSchema = z.object({
  host: z.string().trim().min(1).optional(),
  port: z.int().min(0).max(65_535).optional(),
  maxBodyBytes: z.int().min(1).optional(),
  maxPendingBodyBytes: z.int().min(1).optional(),
  headersTimeoutMs: delay(),
  bodyTimeoutMs: delay(),
  streamStallTimeoutMs: delay(),
  eventsFile: z.string().min(1).optional(),
  // It travels as `Authorization: Bearer <key>`: checked by checkApiKey, which never echoes it.
  apiKey: z.string().optional(),
  keepAliveIntervalMs: delay(),
});

/** Validates once at construction (option > env > default); a bad value is a `ConfigError` naming the option. */
export function resolveEmulatorOptions(options: EventsApiEmulatorOptions): ResolvedEmulatorOptions {
  const { logger, env = process.env, ...rest } = options;
  const parsed = OptionsSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "options");
    throw new ConfigError(name, `option ${name} is invalid: ${issue?.message ?? "unknown problem"}`);
  }
  const o = parsed.data;
  const d = EVENTS_API_EMULATOR_DEFAULTS;
  const maxBodyBytes = o.maxBodyBytes ?? d.maxBodyBytes;
  return {
    host: o.host ?? d.host,
    port: o.port ?? d.port,
    maxBodyBytes,
    // At least one body of the largest size always fits.
    maxPendingBodyBytes: Math.max(o.maxPendingBodyBytes ?? d.maxPendingBodyBytes, maxBodyBytes),
    headersTimeoutMs: o.headersTimeoutMs ?? d.headersTimeoutMs,
    bodyTimeoutMs: o.bodyTimeoutMs ?? d.bodyTimeoutMs,
    streamStallTimeoutMs: o.streamStallTimeoutMs ?? d.streamStallTimeoutMs,
    eventsFile: o.eventsFile,
    apiKey: masterKey(o.apiKey, env) ?? generateApiKey(),
    logger: logger ?? getDefaultLogger(),
    keepAliveIntervalMs: o.keepAliveIntervalMs ?? d.keepAliveIntervalMs,
  };
}

/**
 * The master key: the option (never trimmed), else `GT_EMULATOR_API_KEY` (blank counts as unset, as for every
 * variable: see src/config.ts), else undefined (one is generated).
 */
function masterKey(given: string | undefined, env: Env): string | undefined {
  if (given !== undefined) {
    checkApiKey(given, "apiKey");
    return given;
  }
  const value = readEnvSetting(env, ENV.emulatorApiKey);
  if (value !== undefined) checkApiKey(value, ENV.emulatorApiKey);
  return value;
}
