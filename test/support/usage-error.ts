// The CLI's refusal of a command line, caught for a test to look at.
import { expect } from "vitest";
import { parseCommand } from "../../src/cli/cli-args.js";
import { UsageError } from "../../src/errors.js";

/** Parses `argv`, which must be refused with a `UsageError` (code `ERR_USAGE`); returns it. */
export function usageError(argv: readonly string[]): UsageError {
  let thrown: unknown;
  try {
    thrown = { returned: parseCommand(argv) };
  } catch (error) {
    thrown = error;
  }
  expect(thrown, JSON.stringify(argv)).toBeInstanceOf(UsageError);
  expect(thrown).toMatchObject({ code: "ERR_USAGE", name: "UsageError" });
  return thrown as UsageError;
}
