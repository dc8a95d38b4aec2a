import { PostHog } from "posthog-node";
import { runPublisher, tokenOf } from "./publisher-harness.js";

// posthog-node as documented for servers: capture() per event, batches of flushAt, flush at the end.
// The queue is made large enough to hold every event (its default drops the oldest beyond 10,000), and
// compression is off so that no client pays for gzip that another does not.
await runPublisher(({ url, n, batch }) => {
  const client = new PostHog("phc_bench_dummy_key", {
    host: url,
    flushAt: batch,
    maxBatchSize: batch,
    maxQueueSize: n,
    disableCompression: true,
    // No feature-flag or remote-config traffic: only the batch endpoint is measured.
    featureFlagsPollingInterval: null,
  });
  let errors = 0;
  client.on("error", () => {
    errors++;
  });
  return {
    publish(i) {
      client.capture({ distinctId: "bench", event: "TextChunkEvent", properties: { index: i, token: tokenOf(i) } });
    },
    async finish() {
      // flush() only sends what was queued when it started; shutdown() flushes until the queue is empty (bounded).
      await client.shutdown(120_000);
    },
    async close() {},
    notes: () => (errors > 0 ? `errors=${errors}` : ""),
  };
});
