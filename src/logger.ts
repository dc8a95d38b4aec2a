import { writeSync } from "node:fs";
import { type DestinationStream, type Logger, pino } from "pino";

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

/**
 * `raw` (a URL, maybe one that does not parse) with any userinfo censored: everything between the scheme's `//`
 * (or the start) and the last `@`. Deliberately greedy: in text that is not a URL there is no telling where a
 * password containing `/` or `@` ends, and censoring a little too much costs nothing.
 */
export function redactUrlCredentials(raw: string): string {
  const at = raw.lastIndexOf("@");
  if (at === -1) return raw;
  const scheme = raw.indexOf("//");
  const from = scheme !== -1 && scheme < at ? scheme + 2 : 0;
  return `${raw.slice(0, from)}${REDACTED}${raw.slice(at)}`;
}

/** Environment variable choosing the default logger's format: `text`, `json`, or unset (text on a TTY). */
export const LOG_FORMAT_ENV = "GT_EVENTS_LOG_FORMAT";

export type LogFormat = "text" | "json";

/**
 * The default logger's format: `GT_EVENTS_LOG_FORMAT` when it says `text` or `json`, else text when stderr is a
 * terminal (a person reads it) and JSON otherwise (a log collector reads it). `problem` says why a set value was
 * not used.
 */
export function resolveLogFormat(
  env: Readonly<Record<string, string | undefined>>,
  stderrIsTty: boolean,
): { format: LogFormat; problem?: string } {
  const raw = env[LOG_FORMAT_ENV];
  const wanted = typeof raw === "string" ? raw.trim().toLowerCase() : "";
  if (wanted === "text" || wanted === "json") return { format: wanted };
  const format = stderrIsTty ? "text" : "json";
  if (wanted === "") return { format };
  return { format, problem: `${LOG_FORMAT_ENV} must be "text" or "json"; using ${format}` };
}

const LEVEL_NAMES: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};
// Fields every pino line has; the text format shows the rest as key=value.
const BASE_FIELDS = new Set(["level", "time", "pid", "hostname", "name", "msg", "err"]);

/**
 * One pino JSON line as one readable line: `structure-run-events warn: message key=value (ErrorType: message)`.
 * A line that is not pino JSON is passed through.
 */
export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith("\n") ? line : `${line}\n`;
  }
  const name = typeof entry.name === "string" ? entry.name : "structure-run-events";
  const level = LEVEL_NAMES[entry.level as number] ?? String(entry.level);
  let text = `${name} ${level}: ${typeof entry.msg === "string" ? visible(entry.msg) : ""}`;
  for (const [key, value] of Object.entries(entry)) {
    if (!BASE_FIELDS.has(key)) text += ` ${key}=${JSON.stringify(value)}`;
  }
  const err = entry.err as { type?: unknown; message?: unknown } | undefined;
  if (err !== undefined && err !== null && typeof err === "object") {
    text += ` (${typeof err.type === "string" ? err.type : "Error"}: ${visible(String(err.message))})`;
  }
  return `${text}\n`;
}

/**
 * Control characters escaped: one entry stays one line, and text from outside (a server's error body) cannot
 * send escape sequences to the terminal. JSON lines escape them already.
 */
function visible(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) =>
    c === "\n" ? "\\n" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Writes each line synchronously to `fd`, formatted when asked: a warning just before exit is not lost. */
function destination(fd: number, format: LogFormat): DestinationStream {
  return {
    write(line: string): void {
      try {
        writeSync(fd, format === "text" ? formatLogLine(line) : line);
      } catch {
        // A closed stderr must not crash the host.
      }
    },
  };
}

let defaultLogger: Logger | undefined;

/**
 * The library's default logger: warnings and errors only, to stderr, synchronously, as text lines on a terminal
 * and JSON lines otherwise (`GT_EVENTS_LOG_FORMAT` forces either). Created on first use. Every log line of the
 * library goes through here or through a logger the caller gave, so this is the one module that loads pino.
 */
export function getDefaultLogger(): Logger {
  if (defaultLogger === undefined) {
    const { format, problem } = resolveLogFormat(process.env, process.stderr.isTTY === true);
    defaultLogger = pino(
      { name: "structure-run-events", level: "warn", redact: { paths: REDACT_PATHS, censor: REDACTED } },
      destination(2, format),
    );
    if (problem !== undefined) defaultLogger.warn(problem);
  }
  return defaultLogger;
}
