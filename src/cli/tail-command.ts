import { DEFAULT_BASE_URL, ENV, type Env, resolveStringSetting } from "../config.js";
import { UsageError } from "../errors.js";
import { EventsClient } from "../local.js";
import { readApiKeyFile } from "./api-key-file.js";
import { LiveView } from "./live-view.js";

export interface TailCommandOptions {
  runId: string;
  baseUrl?: string;
  /** Where the key is read ("-": stdin); else `GT_CLOUD_API_KEY`. */
  apiKeyFile?: string;
  offset: number;
  json: boolean;
}

const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/** `tail`: follows a run's events from any Events API until its terminal SYSTEM event (or Ctrl-C). */
export async function tailCommand(options: TailCommandOptions, env: Env = process.env): Promise<number> {
  // Option > environment variable > default, as everywhere (src/config.ts); the key file stands for the option.
  const keyFromFile = options.apiKeyFile === undefined ? undefined : readApiKeyFile(options.apiKeyFile);
  const apiKey = resolveStringSetting(keyFromFile, "--api-key-file", env, ENV.apiKey);
  if (apiKey === undefined) {
    throw new UsageError(`tail needs an API key: set ${ENV.apiKey} or pass --api-key-file FILE`);
  }
  const baseUrl = resolveStringSetting(options.baseUrl, "--base-url", env, ENV.baseUrl) ?? DEFAULT_BASE_URL;
  // Never echo the URL: it may hold credentials.
  if (!/^https?:\/\//.test(baseUrl)) {
    throw new UsageError(`--base-url (or ${ENV.baseUrl}) must be an http(s) URL`);
  }
  const client = new EventsClient({ baseUrl, apiKey });
  const view = new LiveView({ json: options.json });
  const controller = new AbortController();
  let stoppedBy: keyof typeof STOP_SIGNALS | undefined;
  const stop = (signal: keyof typeof STOP_SIGNALS): void => {
    stoppedBy ??= signal;
    controller.abort();
  };
  for (const signal of Object.keys(STOP_SIGNALS) as (keyof typeof STOP_SIGNALS)[]) process.on(signal, stop);
  try {
    // Every stored event reaches the view: in JSON mode it prints each as stored, otherwise it skips duplicates.
    for await (const event of client.streamEvents(options.runId, {
      offset: options.offset,
      signal: controller.signal,
      deduplicate: false,
    })) {
      view.show(event);
    }
    if (!options.json) {
      // The output is the run resource's; the events were shown already, so a failure to read it is said, not fatal.
      const summary = await client.getRun(options.runId).then(
        (run) => ({ output: run.output ?? null }),
        (error: unknown) => ({
          output: null,
          outputError: `could not read the run (${error instanceof Error ? error.message : String(error)})`,
        }),
      );
      view.summary({ ...summary, fromOffset: options.offset });
    }
    await view.drained();
    return 0;
  } catch (error) {
    if (stoppedBy !== undefined) return STOP_SIGNALS[stoppedBy];
    throw error;
  } finally {
    for (const signal of Object.keys(STOP_SIGNALS) as (keyof typeof STOP_SIGNALS)[]) process.off(signal, stop);
  }
}
