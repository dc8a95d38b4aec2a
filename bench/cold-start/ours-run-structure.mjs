// The same structure written as structures are: runStructure publishes its Start and Finish events around it,
// installs its process hooks, delivers all three and ends the process.
import { runStructure } from "structure-run-events";

await runStructure(({ publishEvent }) => {
  publishEvent({ type: "TextChunkEvent", token: "hi", index: 0 });
  return "done";
});
