/**
 * A structure that throws (returns, rejects with, or leaves uncaught) one of the hostile values of
 * test/support/hostile-values.ts, chosen by name; the exit-path tests spawn it as a real child process.
 */
import { runStructure } from "../../../src/index.js";
import { HOSTILE_VALUES } from "../../support/hostile-values.js";

const [name = "proxy", how = "throw"] = process.argv.slice(2);
const make = HOSTILE_VALUES[name];
if (make === undefined) throw new Error(`unknown hostile value ${name}`);

await runStructure(async ({ publishEvent }) => {
  publishEvent({ type: "TextChunkEvent", token: "before", index: 0 });
  switch (how) {
    case "throw":
      throw make();
    case "reject":
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw make();
    case "return":
      return make();
    case "uncaught":
      setTimeout(() => {
        throw make();
      }, 5);
      setInterval(() => {}, 1000);
      return new Promise(() => {});
    case "unhandled":
      void Promise.reject(make());
      setInterval(() => {}, 1000);
      return new Promise(() => {});
    default:
      throw new Error(`unknown way ${how}`);
  }
});
