import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ENV } from "../src/config.js";
import { formatLogLine, resolveLogFormat } from "../src/logger.js";
import { redactUrlCredentials } from "../src/redact.js";

const LOG_FORMAT_ENV = ENV.logFormat;

/** What a real pino logger writes for one call, as the default logger's destination receives it. */
function pinoLine(log: (logger: pino.Logger) => void): string {
  let line = "";
  const logger = pino(
    { name: "structure-run-events" },
    {
      write: (s: string) => {
        line = s;
      },
    },
  );
  log(logger);
  return line;
}

describe("resolveLogFormat", () => {
  it("is text on a terminal and JSON otherwise", () => {
    expect(resolveLogFormat({}, true)).toEqual({ format: "text" });
    expect(resolveLogFormat({}, false)).toEqual({ format: "json" });
  });

  it.each(["text", "json", " JSON ", "Text"])(`${LOG_FORMAT_ENV}=%j forces that format either way`, (value) => {
    const wanted = value.trim().toLowerCase();
    expect(resolveLogFormat({ [LOG_FORMAT_ENV]: value }, true).format).toBe(wanted);
    expect(resolveLogFormat({ [LOG_FORMAT_ENV]: value }, false).format).toBe(wanted);
  });

  it("an unknown value falls back to the automatic choice and says why", () => {
    expect(resolveLogFormat({ [LOG_FORMAT_ENV]: "yaml" }, false)).toEqual({
      format: "json",
      problem: `${LOG_FORMAT_ENV} must be "text" or "json"; using json`,
    });
  });
});

describe("formatLogLine", () => {
  it("turns a pino line into one readable line, with the extra fields and the error", () => {
    const line = pinoLine((l) => l.error({ err: new TypeError("bad thing"), report: { sent: 1 } }, "it failed"));
    expect(formatLogLine(line)).toBe(
      'structure-run-events error: it failed report={"sent":1} (TypeError: bad thing)\n',
    );
    expect(formatLogLine(pinoLine((l) => l.warn("careful")))).toBe("structure-run-events warn: careful\n");
  });

  it("does not repeat an error whose message the line already says", () => {
    const line = pinoLine((l) => l.error({ err: new Error("listener bug") }, "onEvent threw for A: listener bug"));
    expect(formatLogLine(line)).toBe("structure-run-events error: onEvent threw for A: listener bug\n");
  });

  it("escapes control characters: one entry is one line, and no escape sequence reaches the terminal", () => {
    const line = pinoLine((l) => l.error("body: \u001b[2J\nsecond line\u0007"));
    expect(formatLogLine(line)).toBe("structure-run-events error: body: \\u001b[2J\\nsecond line\\u0007\n");
  });

  it("escapes DEL and C1 controls (U+009B is a terminal's CSI) in the message and in extra fields", () => {
    const line = pinoLine((l) => l.error({ body: "a\u009b2Jb\u007f", "k\u001b": 1 }, "m\u009bx"));
    expect(formatLogLine(line)).toBe('structure-run-events error: m\\u009bx body="a\\u009b2Jb\\u007f" k\\u001b=1\n');
  });

  it("passes through what is not pino JSON", () => {
    expect(formatLogLine("plain")).toBe("plain\n");
  });
});

describe("redactUrlCredentials", () => {
  it.each([
    ["https://user:pw@host/p", "https://[redacted]@host/p"],
    ["https://u:p/w@ss@bad host", "https://[redacted]@bad host"],
    ["user:pw@host", "[redacted]@host"],
    ["https://host/p", "https://host/p"],
  ])("%s → %s", (raw, expected) => {
    expect(redactUrlCredentials(raw)).toBe(expected);
  });
});
