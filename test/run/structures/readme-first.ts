/**
 * The README's first example, as a new user runs it: `runStructure` awaited at top level with the default
 * `exit: true`, nothing else around it.
 */
import { runStructure } from "../../../src/index.js";

await runStructure(async ({ args, publishEvent }) => {
  publishEvent({ type: "TextChunkEvent", token: "Hel", index: 0 });
  return `echo: ${args.join(" ")}`;
});
