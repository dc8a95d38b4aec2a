import * as z from "zod";
import { quoteValue } from "../describe-value.js";
import { ConfigError } from "../errors.js";
import { EventsApiSender } from "../http/events-api-sender.js";
import { getDefaultLogger, type Logger, redactSecret, redactUrlCredentials } from "../logger.js";
import { BatchingEventListenerDriver } from "./batching-event-listener-driver.js";
import { type BatchingOptions, readEnv, resolveBatchingOptions } from "./batching-options.js";

export const DEFAULT_BASE_URL = "https://cloud.griptape.ai";

export interface GriptapeCloudEventListenerDriverOptions extends Partial<BatchingOptions> {
  /** Default: `GT_CLOUD_BASE_URL`, else `https://cloud.griptape.ai`. Its own path is kept. */
  baseUrl?: string;
  /** Default: `GT_CLOUD_API_KEY`. Required. Never logged. */
  apiKey?: string;
  /** Default: `GT_CLOUD_STRUCTURE_RUN_ID`. Required. */
  structureRunId?: string;
  /** Allow a plain `http://` base URL whose host is not loopback. Default: false (the key would travel in clear). */
  allowInsecureHttp?: boolean;
  /** pino logger. Default: warnings and errors to stderr, key redacted. */
  logger?: Logger;
  /** Where environment variables are read. Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

const nonEmpty = z.string().trim().min(1);

/**
 * POSTs USER events to the Griptape Cloud Events API (see docs/wire-format.md), batched, ordered and retried
 * (see docs/delivery.md).
 * Configuration: option > environment variable > default; a bad value is a `ConfigError` at construction.
 */
export class GriptapeCloudEventListenerDriver extends BatchingEventListenerDriver {
  readonly baseUrl: string;
  readonly structureRunId: string;

  constructor(options: GriptapeCloudEventListenerDriverOptions = {}) {
    const env = options.env ?? process.env;
    const structureRunId = pick(options.structureRunId, "structureRunId", env, "GT_CLOUD_STRUCTURE_RUN_ID");
    if (structureRunId === undefined) {
      throw new ConfigError(
        "GT_CLOUD_STRUCTURE_RUN_ID",
        "no structure run id: set GT_CLOUD_STRUCTURE_RUN_ID (Griptape Cloud sets it) or pass structureRunId",
      );
    }
    if (structureRunId === "." || structureRunId === "..") {
      // A dot segment: no percent-encoding keeps it in the route (URL parsers resolve "%2e%2e" too).
      const source = options.structureRunId !== undefined ? "structureRunId" : "GT_CLOUD_STRUCTURE_RUN_ID";
      throw new ConfigError(source, `${source} "${structureRunId}" is not a structure run id`);
    }
    const apiKey = pick(options.apiKey, "apiKey", env, "GT_CLOUD_API_KEY");
    if (apiKey === undefined) {
      throw new ConfigError(
        "GT_CLOUD_API_KEY",
        "GT_CLOUD_STRUCTURE_RUN_ID is set but no API key is: set GT_CLOUD_API_KEY or pass apiKey",
      );
    }
    checkApiKey(apiKey, options.apiKey !== undefined ? "apiKey" : "GT_CLOUD_API_KEY");
    const baseUrl = parseBaseUrl(options, env, apiKey);
    const tuning = resolveBatchingOptions(options, env);
    super(
      tuning,
      new EventsApiSender({
        baseUrl,
        apiKey,
        structureRunId,
        requestTimeoutMs: tuning.requestTimeoutMs,
        connections: tuning.maxConcurrentRequests,
      }),
      options.logger ?? getDefaultLogger(),
    );
    this.baseUrl = baseUrl.href;
    this.structureRunId = structureRunId;
  }
}

function pick(
  option: string | undefined,
  optionName: string,
  env: Readonly<Record<string, string | undefined>>,
  variable: string,
): string | undefined {
  const [value, source]: [unknown, string] =
    option !== undefined ? [option, optionName] : [readEnv(env, variable), variable];
  if (value === undefined || value === "") return undefined;
  // The value itself is never quoted: it may be the key.
  if (typeof value !== "string") throw new ConfigError(source, `${source} must be a string`);
  const parsed = nonEmpty.safeParse(value);
  if (!parsed.success) throw new ConfigError(source, `${source} must not be blank`);
  return parsed.data;
}

/**
 * Refuses a key that cannot travel in an HTTP header, at construction rather than as a request that fails
 * (undici refuses it with UND_ERR_INVALID_ARG) for every batch. Keys are printable ASCII: a line break, a control
 * character, a space or a non-ASCII character is a copy-and-paste accident. The message says where, never what.
 */
function checkApiKey(apiKey: string, source: string): void {
  if (/^bearer\s/i.test(apiKey)) {
    throw new ConfigError(source, `${source} starts with "Bearer ": set the key alone; the header adds "Bearer"`);
  }
  const bad = /[^\x21-\x7e]/.exec(apiKey);
  if (bad === null) return;
  const code = bad[0].charCodeAt(0);
  const what =
    bad[0] === "\n" || bad[0] === "\r"
      ? "a line break"
      : code < 0x20 || code === 0x7f
        ? "a control character"
        : bad[0] === " "
          ? "a space"
          : "a non-ASCII character";
  throw new ConfigError(
    source,
    `${source} has ${what} at position ${bad.index + 1} of ${apiKey.length}: an API key is printable ASCII with no spaces, so it cannot be sent in an HTTP header. Copy the key again`,
  );
}

function parseBaseUrl(
  options: GriptapeCloudEventListenerDriverOptions,
  env: Readonly<Record<string, string | undefined>>,
  apiKey: string,
): URL {
  const source = options.baseUrl !== undefined ? "baseUrl" : "GT_CLOUD_BASE_URL";
  const raw = pick(options.baseUrl, "baseUrl", env, "GT_CLOUD_BASE_URL") ?? DEFAULT_BASE_URL;
  // Any "@", not only what the parser calls userinfo: "https://u\\:pw@h" parses as host "u" and a path holding
  // the password, and an API base URL has no use for "@" elsewhere.
  if (raw.includes("@")) {
    throw new ConfigError(source, `${source} must not carry credentials (it contains "@"); use GT_CLOUD_API_KEY`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Quoted to help, but neither a key pasted into the wrong variable nor a password in a URL that does not
    // parse may reach a log through this message; quoteValue also escapes control characters and cuts it short.
    throw new ConfigError(
      source,
      `${source} is not a URL: ${quoteValue(redactUrlCredentials(redactSecret(raw, apiKey)))}`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(source, `${source} must be an http(s) URL, got ${url.protocol}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new ConfigError(source, `${source} must not carry credentials; use GT_CLOUD_API_KEY`);
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname) && options.allowInsecureHttp !== true) {
    throw new ConfigError(
      source,
      // The host name is lower-cased by the parser: a key pasted as the host must not show even so.
      `${source} uses plain http to ${redactSecret(url.hostname, apiKey.toLowerCase())}: the API key would travel unencrypted. Use https, or pass allowInsecureHttp: true`,
    );
  }
  url.search = "";
  url.hash = "";
  return url;
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}
