// posthog-node with its defaults: a batch every 20 events (flushAt) or 10 s (flushInterval).
import { PostHog } from "posthog-node";
import { runLatencyClient } from "./harness.mjs";

await runLatencyClient(({ url }) => {
  const client = new PostHog("phc_latency", { host: url });
  return {
    publish: (i, sentAt) =>
      client.capture({ distinctId: "latency", event: "TextChunkEvent", properties: { index: i, sentAt } }),
    finish: () => client.shutdown(),
  };
});
