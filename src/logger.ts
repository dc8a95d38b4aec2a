import { type Logger, pino } from "pino";

export type { Logger } from "pino";

/**
 * Paths pino censors in every log line. Redaction is configuration, not care: even a careless
 * `logger.info({ headers })` cannot print the key.
 */
export const REDACT_PATHS = [
  "apiKey",
  "api_key",
  "authorization",
  "Authorization",
  "headers.authorization",
  "headers.Authorization",
  "*.apiKey",
  "*.authorization",
  "*.headers.authorization",
  "*.headers.Authorization",
];

export const REDACTED = "[redacted]";

/**
 * `text` with every occurrence of `secret` censored: for text from outside (a server's error body, a value pasted
 * into the wrong variable) that is about to reach a message or a log line.
 */
export function redactSecret(text: string, secret: string): string {
  return secret === "" ? text : text.replaceAll(secret, REDACTED);
}

let defaultLogger: Logger | undefined;

/**
 * The library's default logger: warnings and errors only, to stderr, synchronously so that a warning
 * written just before the process exits is not lost. Created on first use.
 */
export function getDefaultLogger(): Logger {
  defaultLogger ??= pino(
    { name: "structure-run-events", level: "warn", redact: { paths: REDACT_PATHS, censor: REDACTED } },
    pino.destination({ fd: 2, sync: true }),
  );
  return defaultLogger;
}
