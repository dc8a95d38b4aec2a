/**
 * A tiny agent-like structure: publishes the events of a run and prints them as they are published.
 * Run it with `npm start -- some words`.
 */
import { EventBus, EventListener, MemoryEventListenerDriver, toArtifact } from "../src/index.js";

const bus = new EventBus();
const recorded = new MemoryEventListenerDriver();
bus.addEventListener(new EventListener({ driver: recorded }));
bus.addEventListener(
  new EventListener({
    onEvent: (event) => {
      process.stderr.write(`${event.type.padEnd(24)} ${JSON.stringify(event)}\n`);
    },
  }),
);

const args = process.argv.slice(2);
const input = args.join(" ") || "hello";
bus.publishEvent({ type: "StartStructureRunEvent", input_task_input: toArtifact(input) });

const answer = `echo: ${input}`;
const tokens = answer.match(/.{1,4}/g) ?? [];
tokens.forEach((token, index) => {
  bus.publishEvent({ type: "TextChunkEvent", token, index });
});
bus.publishEvent({ type: "ToolCalled", tool: "Echo", ok: true });
bus.publishEvent({ type: "FinishStructureRunEvent", output_task_output: toArtifact(answer) });

await bus.flush();
process.stdout.write(`${answer}\n`);
process.stderr.write(`${recorded.records.length} events published\n`);
