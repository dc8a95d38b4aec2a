import { writeSync } from "node:fs";
import { createRequire } from "node:module";
import type { DestinationStream, Logger, pino as Pino } from "pino";
import { ENV, type Env, readEnvSetting } from "./config.js";
import { printable } from "./events/printable.js";
import { REDACT_PATHS, REDACTED } from "./redact.js";

export type { Logger } from "pino";

export type LogFormat = "text" | "json";

/**
 * The default logger's format: `GT_EVENTS_LOG_FORMAT` when it says `text` or `json`, else text when stderr is a
 * terminal (a person reads it) and JSON otherwise (a log collector reads it). `problem` says why a set value was
 * not used.
 */
export function resolveLogFormat(env: Env, stderrIsTty: boolean): { format: LogFormat; problem?: string } {
  let wanted = "";
  try {
    wanted = readEnvSetting(env, ENV.logFormat)?.toLowerCase() ?? "";
  } catch {
    // An env object whose value is not a string: as unset, since a logger must not fail to be made.
  }
  if (wanted === "text" || wanted === "json") return { format: wanted };
  const format = stderrIsTty ? "text" : "json";
  if (wanted === "") return { format };
  return { format, problem: `${ENV.logFormat} must be "text" or "json"; using ${format}` };
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
  let text = `${name} ${level}: ${typeof entry.msg === "string" ? printable(entry.msg) : ""}`;
  for (const [key, value] of Object.entries(entry)) {
    if (!BASE_FIELDS.has(key)) text += ` ${printable(key)}=${printable(JSON.stringify(value) ?? String(value))}`;
  }
  const err = entry.err as { type?: unknown; message?: unknown } | undefined;
  // An error whose message the line already says is not said twice.
  if (err !== undefined && err !== null && typeof err === "object" && !text.includes(printable(String(err.message)))) {
    text += ` (${typeof err.type === "string" ? printable(err.type) : "Error"}: ${printable(String(err.message))})`;
  }
  return `${text}\n`;
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
 * and JSON lines otherwise (`GT_EVENTS_LOG_FORMAT` forces either). Every log line of the library goes through here
 * or through a logger the caller gave, so this is the one module that loads pino.
 *
 * pino is loaded when the first line is logged, not before: a structure whose delivery goes well logs nothing,
 * and loading pino costs ~15 ms of CPU and ~8 MiB of memory at start-up (measured with bench/cold-start.bench.ts).
 * What is returned at once is a stand-in that makes the real logger on its first use, synchronously (pino is
 * CommonJS, so `require` loads it in place), so a warning just before exit is still written.
 */
export function getDefaultLogger(): Logger {
  defaultLogger ??= lazyLogger(makeDefaultLogger);
  return defaultLogger;
}

function makeDefaultLogger(): Logger {
  const { format, problem } = resolveLogFormat(process.env, process.stderr.isTTY === true);
  const pino = createRequire(import.meta.url)("pino") as typeof Pino;
  const logger = pino(
    { name: "structure-run-events", level: "warn", redact: { paths: REDACT_PATHS, censor: REDACTED } },
    destination(2, format),
  );
  if (problem !== undefined) logger.warn(problem);
  return logger;
}

/** A Logger that makes the real one with `make` when any of its properties is first read. */
function lazyLogger(make: () => Logger): Logger {
  let made: Logger | undefined;
  const real = (): Logger => {
    made ??= make();
    return made;
  };
  return new Proxy({} as Logger, {
    get(_target, property) {
      const logger = real();
      const value: unknown = Reflect.get(logger, property, logger);
      return typeof value === "function" ? value.bind(logger) : value;
    },
    has: (_target, property) => Reflect.has(real(), property),
  });
}
