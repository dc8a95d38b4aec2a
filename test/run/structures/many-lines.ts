/**
 * A structure that prints more to stdout than a pipe holds (20,000 lines of ~110 bytes, about 2.2 MB), then
 * returns (or, with the argument "exit", calls process.exit(0) having published its own output): the stdout tests
 * read it slowly, or never, to check what reaches the reader before the process exits.
 */
import { runStructure, toArtifact } from "../../../src/index.js";

const lines = Number(process.argv[2] ?? "20000");
const how = process.argv[3] ?? "return";

await runStructure(async ({ publishEvent }) => {
  for (let i = 0; i < lines; i++) console.log(`line ${i} ${"x".repeat(100)}`);
  if (how === "exit") {
    publishEvent({ type: "FinishStructureRunEvent", output_task_output: toArtifact("ok") });
    process.exit(0);
  }
  return "ok";
});
