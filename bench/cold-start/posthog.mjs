// The same life with posthog-node: its defaults, one capture(), shutdown (which sends it), exit.
import { PostHog } from "posthog-node";

const client = new PostHog("phc_cold_start", { host: process.env.COLD_START_URL });
client.capture({ distinctId: "cold-start", event: "TextChunkEvent", properties: { token: "hi", index: 0 } });
await client.shutdown();
