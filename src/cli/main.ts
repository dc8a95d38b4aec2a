#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { ConfigError, StructureRunEventsError, UsageError } from "../errors.js";
import { parseCommand, USAGE } from "./cli-args.js";
import { runCommand } from "./run-command.js";
import { serveCommand } from "./serve-command.js";
import { tailCommand } from "./tail-command.js";

async function main(argv: readonly string[]): Promise<number> {
  const command = parseCommand(argv);
  switch (command.name) {
    case "help":
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case "version": {
      const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
        version: string;
      };
      process.stdout.write(`${pkg.version}\n`);
      return 0;
    }
    case "run":
      return runCommand(command);
    case "serve":
      return serveCommand(command);
    case "tail":
      return tailCommand(command);
  }
}

// A reader that goes away (`| head`) must end the CLI quietly, not with an EPIPE stack trace.
process.stdout.on("error", () => process.exit(0));

let settled = false;
// Work left pending with nothing to wait for (a timer that did not hold the loop) would otherwise end the CLI with
// exit code 0 and not a word: say so, and fail.
process.once("beforeExit", () => {
  if (settled) return;
  process.stderr.write("structure-run-events: stopped before the command had finished (a bug: please report it)\n");
  process.exit(70);
});

main(process.argv.slice(2)).then(
  (code) => {
    settled = true;
    process.exit(code);
  },
  (error: unknown) => {
    settled = true;
    if (error instanceof UsageError) {
      process.stderr.write(`structure-run-events: ${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    // A setting to change (a flag, a variable, a port in use, an events file that cannot be created): exit 2, as
    // for a bad command line, without the usage, which would bury the one line that matters.
    const text = error instanceof StructureRunEventsError ? error.message : String(error);
    process.stderr.write(`structure-run-events: ${text}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
