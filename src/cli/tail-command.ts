import { checkBaseUrl, DEFAULT_BASE_URL, ENV, type Env, resolveStringSetting } from "../config.js";
import { EventsApiError, UsageError } from "../errors.js";
import { printable, quotedShort } from "../events/printable.js";
import { EventsClient } from "../local.js";
import { redactSecret } from "../redact.js";
import { readApiKeyFile } from "./api-key-file.js";
import { LiveView } from "./live-view.js";
import { runExitCode } from "./run-exit-code.js";

export interface TailCommandOptions {
  runId: string;
  baseUrl?: string;
  /** Where the key is read ("-": stdin); else `GT_CLOUD_API_KEY`. */
  apiKeyFile?: string;
  /** Plain http to a host that is not loopback (the key travels unencrypted). */
  allowInsecureHttp?: boolean;
  offset: number;
  json: boolean;
}

const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * `tail`: follows a run's events from any Events API until its terminal SYSTEM event (or Ctrl-C), and exits as the
 * run ended (`runExitCode`). A server that cannot be read is one sentence on stderr and exit 1.
 */
export async function tailCommand(options: TailCommandOptions, env: Env = process.env): Promise<number> {
  // Option > environment variable > default, as everywhere (src/config.ts); the key file stands for the option.
  const keyFromFile = options.apiKeyFile === undefined ? undefined : readApiKeyFile(options.apiKeyFile);
  const apiKey = resolveStringSetting(keyFromFile, "--api-key-file", env, ENV.apiKey);
  if (apiKey === undefined) {
    throw new UsageError(`tail needs an API key: set ${ENV.apiKey} or pass --api-key-file FILE`);
  }
  const baseUrl = resolveStringSetting(options.baseUrl, "--base-url", env, ENV.baseUrl) ?? DEFAULT_BASE_URL;
  // The driver's own check, naming the flag or the variable; it never echoes credentials.
  const url = checkBaseUrl(baseUrl, {
    source: options.baseUrl !== undefined ? "--base-url" : ENV.baseUrl,
    apiKey,
    allowInsecureHttp: options.allowInsecureHttp === true,
    insecureHttpHint: "pass --allow-insecure-http",
  });
  const client = new EventsClient({ baseUrl, apiKey, allowInsecureHttp: options.allowInsecureHttp === true });
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
      // The output as the stream brought it (the run resource's is made of the same FinishStructureRunEvent); the
      // run resource only when the stream did not show it (`--offset` past it). The events were shown already, so
      // a failure to read the run is said, not fatal.
      const summary =
        view.finishOutput ??
        (await client.getRun(options.runId).then(
          (run) => ({ output: run.output ?? null }),
          (error: unknown) => ({
            output: null,
            outputError: `could not read the run (${printable(error instanceof Error ? error.message : String(error))})`,
          }),
        ));
      view.summary({ ...summary, fromOffset: options.offset });
    }
    await view.drained();
    return runExitCode(view.terminal);
  } catch (error) {
    if (stoppedBy !== undefined) return STOP_SIGNALS[stoppedBy];
    if (!(error instanceof EventsApiError)) throw error;
    await view.drained();
    // The origin only: the URL passed the check above, so it holds no credentials; the key is kept out anyway.
    process.stderr.write(
      `structure-run-events: tail could not follow run ${quotedShort(options.runId)} at ${redactSecret(url.origin, apiKey)}: ${printable(error.message)}\n`,
    );
    return 1;
  } finally {
    for (const signal of Object.keys(STOP_SIGNALS) as (keyof typeof STOP_SIGNALS)[]) process.off(signal, stop);
  }
}
