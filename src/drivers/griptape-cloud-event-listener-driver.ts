import * as z from "zod";
import { ConfigError } from "../errors.js";
import { EventsApiSender } from "../http/events-api-sender.js";
import { getDefaultLogger, type Logger, redactSecret } from "../logger.js";
import { BatchingEventListenerDriver } from "./batching-event-listener-driver.js";
import { type BatchingOptions, resolveBatchingOptions } from "./batching-options.js";

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
 * POSTs USER events to the Griptape Cloud Events API (DESIGN §1), batched, ordered and retried (DESIGN §3).
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
  const [value, source] = option !== undefined ? [option, optionName] : [env[variable], variable];
  if (value === undefined || value === "") return undefined;
  const parsed = nonEmpty.safeParse(value);
  // The value itself is never quoted: it may be the key.
  if (!parsed.success) throw new ConfigError(source, `${source} must not be blank`);
  return parsed.data;
}

function parseBaseUrl(
  options: GriptapeCloudEventListenerDriverOptions,
  env: Readonly<Record<string, string | undefined>>,
  apiKey: string,
): URL {
  const source = options.baseUrl !== undefined ? "baseUrl" : "GT_CLOUD_BASE_URL";
  const raw = pick(options.baseUrl, "baseUrl", env, "GT_CLOUD_BASE_URL") ?? DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Quoted to help, but a key pasted into the wrong variable must not reach a log through this message.
    throw new ConfigError(source, `${source} is not a URL: "${redactSecret(raw, apiKey)}"`);
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
      `${source} uses plain http to ${url.hostname}: the API key would travel unencrypted. Use https, or pass allowInsecureHttp: true`,
    );
  }
  url.search = "";
  url.hash = "";
  return url;
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}
