import { Client } from "undici";
import { newEventId, nowSeconds } from "../src/events/ids.js";
import { runPublisher, tokenOf } from "./publisher-harness.js";

/**
 * The floor: the least a client can do to put the same bytes on the wire. Each publish builds the event
 * (same fields, same id and timestamp sources as ours), stringifies it into our envelope, and appends it to
 * the current batch; full batches are POSTed one at a time over one keep-alive connection. Nothing else:
 * no validation, no byte accounting, no retries, no queue cap.
 */
await runPublisher(({ url, batch }) => {
  const target = new URL(url);
  const client = new Client(target.origin, { keepAliveTimeout: 30_000 });
  const path = `${target.pathname}/api/structure-runs/bench/events`;
  const headers = { authorization: "Bearer bench-dummy-key", "content-type": "application/json" };
  const bodies: string[] = [];
  let parts: string[] = [];
  let sending: Promise<void> | undefined;
  let failure: unknown;

  const sendAll = async (): Promise<void> => {
    for (let body = bodies.shift(); body !== undefined; body = bodies.shift()) {
      const response = await client.request({ method: "POST", path, headers, body });
      await response.body.dump();
      if (response.statusCode >= 300) throw new Error(`sink answered ${response.statusCode}`);
    }
    sending = undefined;
  };
  const cut = (): void => {
    bodies.push(`[${parts.join(",")}]`);
    parts = [];
    sending ??= sendAll().catch((error: unknown) => {
      failure = error;
      sending = undefined;
    });
  };

  return {
    publish(i) {
      const event = {
        type: "TextChunkEvent",
        id: newEventId(),
        timestamp: nowSeconds(),
        meta: {},
        index: i,
        token: tokenOf(i),
      };
      parts.push(`{"payload":${JSON.stringify(event)},"timestamp":${event.timestamp},"type":"TextChunkEvent"}`);
      if (parts.length === batch) cut();
    },
    async finish() {
      if (parts.length > 0) cut();
      while (sending !== undefined) await sending;
      if (failure !== undefined) throw failure;
    },
    async close() {
      await client.close();
    },
  };
});
