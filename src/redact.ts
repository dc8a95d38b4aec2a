import { printable } from "./events/printable.js";

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
 * Text a server sent (an error body, a transport error's description) as a message may quote it: the secret
 * censored, cut to `maxChars`, then control characters escaped, so that an answer holding ANSI escapes cannot
 * recolour, retitle or clear the terminal the message is printed on.
 */
export function serverText(text: string, secret: string, maxChars: number): string {
  return printable(redactSecret(text, secret).slice(0, maxChars));
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
