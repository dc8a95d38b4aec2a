/**
 * A process with a bare bus (no flush, no shutdown) whose listener throws on every event, publishing as many events
 * as its first argument says, then exiting: test/bus/listener-error-log.test.ts reads its stderr.
 */
import { EventBus, EventListener } from "../../src/index.js";

const bus = new EventBus();
bus.addEventListener(
  new EventListener({
    onEvent: () => {
      throw new Error("listener bug");
    },
  }),
);
const count = Number(process.argv[2] ?? "1");
for (let index = 0; index < count; index++) bus.publishEvent({ type: "TextChunkEvent", token: "x", index });
