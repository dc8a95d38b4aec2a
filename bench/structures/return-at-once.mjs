// Built package, plain node: what a user's deployed structure looks like. Prints the moment the entry
// returns (epoch ms, sub-ms precision) so the parent can time return → process exit.
import { runStructure } from "../../dist/index.js";

await runStructure(async ({ publishEvent }) => {
  publishEvent({ type: "TextChunkEvent", token: "hi", index: 0 });
  process.stdout.write(`${performance.timeOrigin + performance.now()}\n`);
  return "done";
});
