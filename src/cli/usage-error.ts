import { StructureRunEventsError } from "../errors.js";

/** Bad command-line input. Code `ERR_USAGE`; the CLI prints the message and the usage, and exits 2. */
export class UsageError extends StructureRunEventsError {
  constructor(message: string) {
    super("ERR_USAGE", message);
  }
}
