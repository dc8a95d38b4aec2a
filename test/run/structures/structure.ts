/**
 * One structure with many ways to end, chosen by its first argument; the exit-path tests spawn it as a real
 * child process. Each mode publishes a few events first so that ordering before the Finish event is checked.
 */
import { eventBus, runStructure } from "../../../src/index.js";

const mode = process.argv[2] ?? "return";
const count = Number(process.argv[3] ?? "20");

await runStructure(async ({ publishEvent, signal }) => {
  for (let index = 0; index < count; index++) publishEvent({ type: "TextChunkEvent", token: `t${index}`, index });
  switch (mode) {
    case "return":
      return { answer: 42, mode };
    case "return-text":
      return "hello";
    case "shared-bus":
      // As a port of Python's `EventBus.publish_event(...)` publishes: on the shared bus, not the context's.
      eventBus.publishEvent({ type: "TextChunkEvent", token: "from eventBus", index: count });
      return "hello";
    case "throw":
      throw new Error("boom from the entry");
    case "throw-string":
      throw "a string";
    case "reject":
      await new Promise((resolve) => setTimeout(resolve, 10));
      return Promise.reject(new Error("rejected from the entry"));
    case "signal": {
      signal.addEventListener("abort", () => {
        publishEvent({ type: "AbortSeen", reason: String(signal.reason) });
      });
      process.stdout.write("ready\n");
      // Works (a timer stands for a model call) until the signal, then winds down within the grace period.
      const work = setInterval(() => {}, 1000);
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => setTimeout(resolve, 50)));
      clearInterval(work);
      return "wound down";
    }
    case "ignore-signal":
      process.stdout.write("ready\n");
      setInterval(() => {}, 1000);
      return new Promise(() => {});
    case "uncaught":
      setTimeout(() => {
        throw new Error("uncaught in a timer");
      }, 10);
      setInterval(() => {}, 1000);
      return new Promise(() => {});
    case "unhandled":
      void Promise.reject(new Error("nobody handles this"));
      setInterval(() => {}, 1000);
      return new Promise(() => {});
    case "exit":
      process.exit(7);
      break;
    case "exit-zero":
      process.exit(0);
      break;
    case "own-finish-exit-zero":
      // A port that publishes its own output and then exits: its output stands, and so does its exit 0.
      publishEvent({ type: "FinishStructureRunEvent", output_task_output: null, meta: { mine: true } });
      process.exit(0);
      break;
    case "exit-later":
      await new Promise((resolve) => setTimeout(resolve, 10));
      publishEvent({ type: "BeforeExit", n: 1 });
      process.exit(3);
      break;
    case "stall":
      return new Promise(() => {});
    case "own-finish":
      publishEvent({ type: "FinishStructureRunEvent", output_task_output: null, meta: { mine: true } });
      return "ignored";
    case "open-handles":
      setInterval(() => {}, 1000);
      return "done despite handles";
    case "user-handler":
      process.on("uncaughtException", () => {
        process.stderr.write("user handler ran\n");
      });
      setTimeout(() => {
        throw new Error("seen by both handlers");
      }, 10);
      return new Promise(() => {});
    case "big-output":
      return "x".repeat(3 * 1024 * 1024);
    default:
      throw new Error(`unknown mode ${mode}`);
  }
});
