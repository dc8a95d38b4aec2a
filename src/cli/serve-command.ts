import { EventsApiEmulator } from "../runtime/events-api-emulator.js";
import { startLocalRun } from "../runtime/local-run.js";
import { webViewLine } from "./web-view.js";

export interface ServeCommandOptions {
  port: number;
  host: string;
  eventsFile?: string;
  apiKey?: string;
  /** Started for each run created over HTTP; empty: runs are only recorded. */
  command: string[];
}

/** `serve`: the emulator alone until SIGINT/SIGTERM; with a command, each run created over HTTP starts it. */
export async function serveCommand(options: ServeCommandOptions): Promise<number> {
  const emulator = new EventsApiEmulator({
    port: options.port,
    host: options.host,
    ...(options.eventsFile === undefined ? {} : { eventsFile: options.eventsFile }),
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
  });
  const [command, ...args] = options.command;
  if (command !== undefined) {
    emulator.onRunCreated = (run) => {
      const local = startLocalRun({ emulator, command, args: [...args, ...run.args], run });
      void local.done.then((result) => {
        process.stderr.write(`run ${run.structure_run_id} ${result.status} (exit code ${result.exitCode})\n`);
      });
    };
  }
  await emulator.start();
  // The emulator's own key, made for this process: clients need it, and it guards nothing outside this machine.
  process.stdout.write(
    `Events API emulator listening on ${emulator.url}\nAPI key: ${emulator.apiKey}\n` +
      `Try: GT_CLOUD_BASE_URL=${emulator.url} GT_CLOUD_API_KEY=<key> npx structure-run-events tail <run-id>\n`,
  );
  process.stdout.write(webViewLine(emulator));
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await emulator.close();
  return 0;
}
