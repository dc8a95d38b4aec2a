/**
 * The same kind of structure, failing halfway: its Finish event carries an ErrorArtifact, it exits with code 1,
 * and under `structure-run-events run` the run ends FAILED with that exit code.
 * In a clone of the repository:
 *   npm run cli -- run -- node --import tsx examples/failing-structure.ts
 * In a project that installed the package (tsx installed beside it):
 *   npx structure-run-events run -- node --import tsx node_modules/structure-run-events/examples/failing-structure.ts
 */
import { runStructure, toPromptStack } from "structure-run-events";

await runStructure(async ({ publishEvent }) => {
  publishEvent({
    type: "StartPromptEvent",
    model: "echo-1",
    prompt_stack: toPromptStack([{ role: "user", content: "search for the answer" }]),
  });
  for (const [index, token] of ["Think", "ing", "…"].entries()) {
    publishEvent({ type: "TextChunkEvent", token, index });
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  publishEvent({ type: "ToolCalled", tool: "Search", ok: false });
  throw new Error("the search tool is unavailable");
});
