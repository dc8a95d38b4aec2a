import { EventsApiEmulator, startLocalRun } from "../local.js";
import { refusedEventPosts } from "../runtime/events-api-emulator.js";
import { LiveView } from "./live-view.js";
import { dropNpmEchoes } from "./npm-signal-echo.js";
import { structureEnv } from "./structure-env.js";
import { nextInterrupt, offerWebView } from "./web-view.js";

export interface RunCommandOptions {
  port: number;
  json: boolean;
  /** Print a link to the run's web view, and keep the emulator up after the run until Ctrl-C. */
  web?: boolean;
  /** Also open the web view in a browser. */
  open?: boolean;
  eventsFile?: string;
  structureId?: string;
  command: string[];
}

const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * `run`: the emulator on 127.0.0.1, the command as a structure against it, its events live, the output, and the
 * structure's exit code. Ctrl-C (and SIGTERM, SIGHUP) goes to the structure's whole process group; the run ends
 * CANCELLED.
 */
export async function runCommand(options: RunCommandOptions): Promise<number> {
  const emulator = new EventsApiEmulator({
    port: options.port,
    ...(options.eventsFile === undefined ? {} : { eventsFile: options.eventsFile }),
  });
  const view = new LiveView({ json: options.json });
  emulator.onEvent = (event) => view.show(event);
  await emulator.start();
  const [command, ...args] = options.command as [string, ...string[]];
  const local = startLocalRun({
    emulator,
    command,
    args,
    env: structureEnv(process.env, process.stderr.isTTY === true),
    stdout: (chunk) => view.aside(chunk),
    stderr: (chunk) => view.aside(chunk),
    ...(options.structureId === undefined ? {} : { structureId: options.structureId }),
  });
  const onSignal = dropNpmEchoes((signal: (typeof FORWARDED_SIGNALS)[number]): void => local.cancel(signal));
  for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);
  try {
    // On stderr: with --json, stdout holds events only.
    if (options.web === true) {
      await offerWebView(emulator, process.stderr, { runId: local.run.structure_run_id, open: options.open === true });
    }
    const result = await local.done;
    // This emulator serves this run alone: every refused event POST was the structure's (a wrong key or run id
    // names no run, so only the total counts them).
    view.summary({
      output: result.run.output,
      refusedPosts: refusedEventPosts(emulator),
      exitCode: result.exitCode,
    });
    await view.drained();
    if (options.web === true) {
      process.stderr.write(`Run ended: ${result.status}. The web view stays up at ${emulator.url}/ until Ctrl-C.\n`);
      await nextInterrupt();
    }
    return result.exitCode;
  } finally {
    // The signal handlers stay until the CLI exits, right after this: a signal arriving with none (npm's echo of
    // the Ctrl-C that ended `--web`'s wait) would kill the CLI, and its exit code would no longer be the
    // structure's. Once the run has ended they do nothing.
    await emulator.close();
  }
}
