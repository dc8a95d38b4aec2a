import {
  EventBus,
  EventListener,
  type EventListenerDriver,
  type SerializedEvent,
  type TextChunkEvent,
  toPromptStack,
} from "../src/index.js";
import { printTable, timeLoop } from "./measure.js";

/**
 * Issue 10's target: publishing a TextChunkEvent, with every check the known types get (strict fields, no
 * unknown key, Python defaults), costs at most 1x a bare JSON.stringify of the same completed event, measured in
 * the same run. A StartPromptEvent goes through its zod schema instead of the hot path: measured for the record.
 */
export function benchPublish(): boolean {
  const OPS = 200_000;
  let sink = 0;
  // A driver that only counts: what we measure is the bus, not a queue.
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

  const messages = [
    { role: "system", content: "You are terse." },
    { role: "user", content: "What is 2+3?" },
  ];
  const prompt = bus
    .publishEvent({ type: "StartPromptEvent", model: "gpt-4.1", prompt_stack: toPromptStack(messages) })
    .toEvent();
  const promptStringify = timeLoop("JSON.stringify(completed StartPromptEvent)", OPS / 10, () => {
    sink += JSON.stringify(prompt).length;
  });
  const promptPublish = timeLoop("bus.publishEvent(StartPromptEvent, string content)", OPS / 10, () => {
    bus.publishEvent({ type: "StartPromptEvent", model: "gpt-4.1", prompt_stack: { messages } });
  });

  const ratio = publish.nsPerOp / stringify.nsPerOp;
  const promptRatio = promptPublish.nsPerOp / promptStringify.nsPerOp;
  const ok = ratio <= 1;
  printTable("publishEvent cost (one listener, counting driver)", [
    ["measure", "ns/event", "ratio to stringify"],
    [stringify.name, stringify.nsPerOp.toFixed(0), "1.00x"],
    [publish.name, publish.nsPerOp.toFixed(0), `${ratio.toFixed(2)}x (target <= 1x: ${ok ? "met" : "MISSED"})`],
    [promptStringify.name, promptStringify.nsPerOp.toFixed(0), "1.00x"],
    [promptPublish.name, promptPublish.nsPerOp.toFixed(0), `${promptRatio.toFixed(2)}x (schema path, measured)`],
  ]);
  if (sink === -1) process.stdout.write("");
  return ok;
}
