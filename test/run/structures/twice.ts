/**
 * Two runs in sequence with default options: the first ends the process, so the second must fail visibly.
 */
import { runStructure } from "../../../src/index.js";

await runStructure(() => "first");
process.stdout.write("the first run resolved\n");
await runStructure(() => "second");
process.stdout.write("the second run resolved\n");
