#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { StructureRunEventsError, UsageError } from "../errors.js";
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`structure-run-events: ${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    const text = error instanceof StructureRunEventsError ? `${error.code}: ${error.message}` : String(error);
    process.stderr.write(`structure-run-events: ${text}\n`);
    process.exit(1);
  },
);
