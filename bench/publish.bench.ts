import {
  EventBus,
  EventListener,
  type EventListenerDriver,
  type SerializedEvent,
  type TextChunkEvent,
} from "../src/index.js";
import { printTable, timeLoop } from "./measure.js";

/**
 * Issue 2's target: publishing a TextChunkEvent costs at most 2x a bare JSON.stringify of the same
 * (completed) event, measured in the same run.
 */
export function benchPublish(): boolean {
  const OPS = 200_000;
  let sink = 0;
  // A driver that only keeps the last event: what we measure is the bus, not a queue.
  const driver: EventListenerDriver = {
    publishEvent(event: SerializedEvent) {
      sink += event.json.length;
    },
    flush: async () => ({ sent: 0, failed: 0, dropped: 0, pending: 0 }),
    shutdown: async () => ({ sent: 0, failed: 0, dropped: 0, pending: 0 }),
  };
  const bus = new EventBus();
  bus.addEventListener(new EventListener({ driver }));
  const tokens = ["Hel", "lo", ", wor", "ld", "! How", " can I", " help", " you today?"];
  const completed = bus
    .publishEvent({ type: "TextChunkEvent", index: 0, token: tokens[0]! })
    .toEvent() as TextChunkEvent;

  const t0 = completed.timestamp;
  const stringify = timeLoop("JSON.stringify(completed event)", OPS, (i) => {
    // A float, like every real timestamp: integers serialise faster and would flatter the baseline.
    completed.timestamp = t0 + i / 1000;
    completed.index = i;
    completed.token = tokens[i & 7]!;
    sink += JSON.stringify(completed).length;
  });
  const publish = timeLoop("bus.publishEvent(TextChunkEvent)", OPS, (i) => {
    bus.publishEvent({ type: "TextChunkEvent", index: i, token: tokens[i & 7]! });
  });
  const ratio = publish.nsPerOp / stringify.nsPerOp;
  const ok = ratio <= 2;
  printTable("publishEvent cost (one listener, counting driver)", [
    ["measure", "ns/event", "ratio to stringify"],
    [stringify.name, stringify.nsPerOp.toFixed(0), "1.00x"],
    [publish.name, publish.nsPerOp.toFixed(0), `${ratio.toFixed(2)}x (target <= 2x: ${ok ? "met" : "MISSED"})`],
  ]);
  if (sink === -1) process.stdout.write("");
  return ok;
}
