import { ENV, type Env, isLoopbackHost, readEnvSetting } from "../config.js";
import { ConfigError } from "../errors.js";
import { EventsApiEmulator, type LocalRun, startLocalRun } from "../local.js";
import { readApiKeyFile } from "./api-key-file.js";
import { underOwnNpmScript } from "./own-npm-script.js";
import { offerWebView } from "./web-view.js";

export interface ServeCommandOptions {
  port: number;
  host: string;
  /** Also open the web view in a browser. */
  open?: boolean;
  eventsFile?: string;
  /** Where the master key is read ("-": stdin); else `GT_EMULATOR_API_KEY`, else a generated key. */
  apiKeyFile?: string;
  /** Started for each run created over HTTP; empty: runs are only recorded. */
  command: string[];
}

const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * `serve`: the emulator alone until SIGINT/SIGTERM/SIGHUP; with a command, each run created over HTTP starts it.
 * A stop signal is passed to every running structure's process group (a second skips runStructure's grace, a
 * third kills); the emulator closes once they have all ended, so their last events still arrive.
 */
export async function serveCommand(options: ServeCommandOptions, env: Env = process.env): Promise<number> {
  const apiKey = options.apiKeyFile === undefined ? undefined : readApiKeyFile(options.apiKeyFile);
  const emulator = new EventsApiEmulator({
    port: options.port,
    host: options.host,
    env,
    ...(options.eventsFile === undefined ? {} : { eventsFile: options.eventsFile }),
    ...(apiKey === undefined ? {} : { apiKey }),
  });
  const running = new Set<LocalRun>();
  let stopping: NodeJS.Signals | undefined;
  const [command, ...args] = options.command;
  if (command !== undefined) {
    emulator.onRunCreated = (run) => {
      if (stopping !== undefined) {
        emulator.recordSystemEvent(run.structure_run_id, "StructureRunError", {
          status: "ERROR",
          status_detail: { error: "serve is shutting down: the run was not started" },
        });
        return;
      }
      // The run's args (its input) follow the command's own, as in Griptape Cloud.
      const local = startLocalRun({ emulator, command, args, run, env });
      running.add(local);
      void local.done.then((result) => {
        running.delete(local);
        process.stderr.write(`run ${run.structure_run_id} ${result.status} (exit code ${result.exitCode})\n`);
      });
    };
  }
  await emulator.start();
  const reachable = new URL(emulator.url);
  if (command !== undefined && !isLoopbackHost(reachable.hostname)) {
    await emulator.close();
    // The structures run on this machine, and the library's driver sends their key over plain http to loopback
    // only: bound to another single address, every run would fail.
    throw new ConfigError(
      "--host",
      `serve -- <command> needs the emulator on a loopback address, 0.0.0.0 or ::, which the structures it starts ` +
        `reach over loopback; bound to ${reachable.hostname} only, their plain http requests would be refused`,
    );
  }
  // The URL printed is where this machine reaches it; say when the network can reach it too.
  const bound = options.host.includes(":") ? `[${options.host}]` : options.host.toLowerCase();
  const scope = isLoopbackHost(bound)
    ? ""
    : isLoopbackHost(reachable.hostname)
      ? ` (bound to ${options.host}, every address of this machine: reachable from the network, over plain http)`
      : " (reachable from the network, over plain http)";
  const keySource =
    apiKey !== undefined
      ? `(read from ${options.apiKeyFile === "-" ? "standard input" : options.apiKeyFile})`
      : readEnvSetting(env, ENV.emulatorApiKey) !== undefined
        ? `(from ${ENV.emulatorApiKey})`
        : // A key made for this process: clients need it, and it guards nothing outside this machine.
          emulator.apiKey;
  let onSignal: ((signal: (typeof STOP_SIGNALS)[number]) => void) | undefined;
  // Listening for the stop signals before anything is printed: a Ctrl-C right after a line (the banner, a browser
  // that could not start) must stop serve cleanly, not kill it.
  const stopped = new Promise<void>((resolve) => {
    onSignal = (signal) => {
      stopping ??= signal;
      for (const local of running) local.cancel(signal);
      resolve();
    };
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  });
  process.stdout.write(
    `Events API emulator listening on ${emulator.url}${scope}\nAPI key: ${keySource}\n` +
      `Try: ${ENV.baseUrl}=${emulator.url} ${ENV.apiKey}=<key> ${tailCommandLine(env)} tail <run-id>\n`,
  );
  await offerWebView(emulator, process.stdout, { open: options.open === true });
  await stopped;
  try {
    // Later signals keep reaching the structures through the same handler until they have all ended.
    await Promise.all([...running].map((local) => local.done));
    await emulator.close();
  } finally {
    for (const signal of STOP_SIGNALS) if (onSignal !== undefined) process.off(signal, onSignal);
  }
  return 0;
}

/** How the user starts this CLI again: in a clone, under its own npm script, npx would not find it. */
function tailCommandLine(env: Env): string {
  return underOwnNpmScript(env) ? "npm run cli --" : "npx structure-run-events";
}
