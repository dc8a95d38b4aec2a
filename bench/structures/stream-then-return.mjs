// Built package, plain node: streams tokens for ~200 ms like a model would, then returns. Prints the moment the
// entry returns (epoch ms, sub-ms precision) so the parent can time return → process exit.
import { runStructure } from "../../dist/index.js";

await runStructure(async ({ publishEvent }) => {
  for (let index = 0; index < 20; index++) {
    publishEvent({ type: "TextChunkEvent", token: `t${index}`, index });
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  process.stdout.write(`${performance.timeOrigin + performance.now()}\n`);
  return "done";
});
