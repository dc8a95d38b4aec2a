/**
 * A client like the Managed Structure Template's: creates a run of a structure and prints its events as they
 * arrive, until the run ends. Works against Griptape Cloud or the local emulator. In a clone of the repository:
 *   GT_EMULATOR_API_KEY=my-local-key npm run cli -- serve --port 8080 -- node --import tsx examples/hello-structure.ts
 *   GT_CLOUD_BASE_URL=http://127.0.0.1:8080 GT_CLOUD_API_KEY=my-local-key npx tsx examples/client.ts my-structure hi
 * In a project that installed the package (tsx installed beside it):
 *   GT_EMULATOR_API_KEY=my-local-key npx structure-run-events serve --port 8080 -- node --import tsx node_modules/structure-run-events/examples/hello-structure.ts
 *   GT_CLOUD_BASE_URL=http://127.0.0.1:8080 GT_CLOUD_API_KEY=my-local-key npx tsx node_modules/structure-run-events/examples/client.ts my-structure hi
 *
 * streamEvents resumes from the last offset after a dropped connection and yields each event once (by payload.id:
 * delivery is at least once, so a retried batch may be stored twice).
 */
import { EventsClient } from "structure-run-events/local";

const [structureId = "local-structure", ...args] = process.argv.slice(2);
const baseUrl = process.env.GT_CLOUD_BASE_URL ?? "http://127.0.0.1:8080";
const apiKey = process.env.GT_CLOUD_API_KEY;
if (apiKey === undefined) {
  process.stderr.write("set GT_CLOUD_API_KEY (the key serve was given, or the one it printed)\n");
  process.exit(2);
}

const client = new EventsClient({ baseUrl, apiKey });
const { structure_run_id: runId } = await client.createRun(structureId, { args });
process.stdout.write(`run ${runId}\n`);
for await (const event of client.streamEvents(runId)) {
  if (event.type === "TextChunkEvent") process.stdout.write(String(event.payload.token));
  else process.stdout.write(`\n[${event.origin}] ${event.type}\n`);
}
const run = await client.getRun(runId);
process.stdout.write(`status: ${String(run.status)}\noutput: ${JSON.stringify(run.output)}\n`);
