import { type Env, resolveCloudSettings } from "../config.js";
import { EventsApiSender } from "../http/events-api-sender.js";
import { getDefaultLogger, type Logger } from "../logger.js";
import { BatchingEventListenerDriver } from "./batching-event-listener-driver.js";
import { type BatchingOptions, resolveBatchingOptions } from "./batching-options.js";

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
  env?: Env;
}

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
    const { baseUrl, apiKey, structureRunId } = resolveCloudSettings(options, env);
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
