import * as z from "zod";
import { ConfigError } from "../errors.js";
import { getDefaultLogger, type Logger } from "../logger.js";
import { generateApiKey } from "./api-keys.js";

/**
 * Defaults of `EventsApiEmulator`, in one place (the README's table mirrors it).
 * - `host` loopback only: the emulator has no TLS, and keys would travel in clear on a network.
 * - `port` 0: the system picks a free port; read it back from `emulator.url`.
 * - `maxBodyBytes` 4 MiB: above the driver's default batch cap (1 MiB) with room, small enough to refuse a runaway body.
 * - `eventsFile` undefined: events live in memory only. A path appends each stored EventDetail as an NDJSON line.
 * - `apiKey` undefined: a random master key (256 bits) is generated; read it from `emulator.apiKey`.
 * - `logger` undefined: the library's default logger (warnings and errors to stderr, keys redacted).
 * - `keepAliveIntervalMs` 15 s: a `: ping` comment on open event streams, under common 30-60 s idle timeouts.
 */
/** Where the emulator reads its master key when no `apiKey` option is given (never from argv: `ps` shows argv). */
export const EMULATOR_API_KEY_ENV = "GT_EMULATOR_API_KEY";

export const EVENTS_API_EMULATOR_DEFAULTS = {
  host: "127.0.0.1",
  port: 0,
  maxBodyBytes: 4 * 1024 * 1024,
  eventsFile: undefined,
  apiKey: undefined,
  logger: undefined,
  keepAliveIntervalMs: 15_000,
} as const;

/** `GET …/events` paging: `limit` when none is given, and the most one page holds (a larger `limit` is capped). */
export const EVENTS_PAGE_DEFAULT_LIMIT = 100;
export const EVENTS_PAGE_MAX_LIMIT = 1000;

export interface EventsApiEmulatorOptions {
  /** Interface to listen on. Default "127.0.0.1". */
  host?: string;
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Largest accepted request body in bytes; larger ones get 413. Default 4 MiB. */
  maxBodyBytes?: number;
  /** Append every stored EventDetail (SYSTEM and USER) to this file as one NDJSON line. Default: none. */
  eventsFile?: string;
  /** Master key: reads every run, creates runs, may post to any run. Default: generated. Never logged. */
  apiKey?: string;
  /** pino logger. Default: the library's (warnings and errors to stderr). */
  logger?: Logger;
  /** Interval of `: ping` comments on open event streams. Default 15 000 ms. */
  keepAliveIntervalMs?: number;
}

export interface ResolvedEmulatorOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  eventsFile: string | undefined;
  apiKey: string;
  logger: Logger;
  keepAliveIntervalMs: number;
}

const OptionsSchema = z.object({
  host: z.string().trim().min(1).optional(),
  port: z.int().min(0).max(65_535).optional(),
  maxBodyBytes: z.int().min(1).optional(),
  eventsFile: z.string().min(1).optional(),
  // One token with no whitespace: it travels as `Authorization: Bearer <key>`. The value is never echoed in errors.
  apiKey: z.string().regex(/^\S+$/, "must be non-empty and contain no whitespace").optional(),
  keepAliveIntervalMs: z.int().min(1).optional(),
});

/** Validates once at construction (option > default); a bad value is a `ConfigError` naming the option. */
export function resolveEmulatorOptions(options: EventsApiEmulatorOptions): ResolvedEmulatorOptions {
  const { logger, ...rest } = options;
  const parsed = OptionsSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "options");
    throw new ConfigError(name, `option ${name} is invalid: ${issue?.message ?? "unknown problem"}`);
  }
  const o = parsed.data;
  const d = EVENTS_API_EMULATOR_DEFAULTS;
  return {
    host: o.host ?? d.host,
    port: o.port ?? d.port,
    maxBodyBytes: o.maxBodyBytes ?? d.maxBodyBytes,
    eventsFile: o.eventsFile,
    apiKey: o.apiKey ?? generateApiKey(),
    logger: logger ?? getDefaultLogger(),
    keepAliveIntervalMs: o.keepAliveIntervalMs ?? d.keepAliveIntervalMs,
  };
}
