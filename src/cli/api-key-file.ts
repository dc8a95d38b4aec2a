import { closeSync, openSync, readSync } from "node:fs";
import { ConfigError } from "../errors.js";
import { quotedShort } from "../events/printable.js";

/** A key is a line; a larger file is a mistake (the wrong path), read no further. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * The API key in `path` ("-": standard input), surrounding whitespace trimmed. Keys come from a file or an
 * environment variable, never from argv, which every user of the machine can read. Errors name the file, never
 * its content.
 */
export function readApiKeyFile(path: string): string {
  let fd: number | undefined;
  const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
  let length = 0;
  try {
    fd = path === "-" ? 0 : openSync(path, "r");
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      length += n;
      if (n === 0 || length > MAX_KEY_FILE_BYTES) break;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    throw new ConfigError("--api-key-file", `cannot read the API key file ${describe(path)} (${code})`);
  } finally {
    if (fd !== undefined && fd !== 0) closeSync(fd);
  }
  if (length > MAX_KEY_FILE_BYTES) {
    throw new ConfigError("--api-key-file", `the API key file ${describe(path)} is larger than a key can be`);
  }
  const key = buffer.toString("utf8", 0, length).trim();
  if (key === "") throw new ConfigError("--api-key-file", `the API key file ${describe(path)} is empty`);
  return key;
}

function describe(path: string): string {
  return path === "-" ? "(standard input)" : quotedShort(path, 200);
}
