import { EventsClient } from "../client/events-client.js";
import { DEFAULT_BASE_URL } from "../drivers/griptape-cloud-event-listener-driver.js";
import { LiveView } from "./live-view.js";
import { UsageError } from "./usage-error.js";

export interface TailCommandOptions {
  runId: string;
  baseUrl?: string;
  apiKey?: string;
  offset: number;
  json: boolean;
}

/** `tail`: follows a run's events from any Events API until its terminal SYSTEM event (or Ctrl-C). */
export async function tailCommand(
  options: TailCommandOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const apiKey = options.apiKey ?? env.GT_CLOUD_API_KEY;
  if (apiKey === undefined || apiKey === "") {
    throw new UsageError("tail needs an API key: pass --api-key or set GT_CLOUD_API_KEY");
  }
  const baseUrl = options.baseUrl ?? env.GT_CLOUD_BASE_URL ?? DEFAULT_BASE_URL;
  if (!/^https?:\/\//.test(baseUrl)) throw new UsageError(`--base-url must be an http(s) URL, got "${baseUrl}"`);
  const client = new EventsClient({ baseUrl, apiKey });
  const view = new LiveView({ json: options.json });
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once("SIGINT", stop);
  try {
    for await (const event of client.streamEvents(options.runId, {
      offset: options.offset,
      signal: controller.signal,
    })) {
      view.show(event);
    }
    if (!options.json) view.summary((await client.getRun(options.runId)).output ?? null);
    await view.drained();
    return 0;
  } catch (error) {
    if (controller.signal.aborted) return 130;
    throw error;
  } finally {
    process.off("SIGINT", stop);
  }
}
