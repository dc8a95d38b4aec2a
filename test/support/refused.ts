// The typed refusal a bad event gets at the call site, caught for a test to look at.
import { expect } from "vitest";
import { InvalidEventError, StructureRunEventsError } from "../../src/index.js";

/** Runs `fn`, which must throw an `InvalidEventError` (code `ERR_INVALID_EVENT`); returns it. */
export function refused(fn: () => unknown): InvalidEventError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidEventError);
  expect(caught).toBeInstanceOf(StructureRunEventsError);
  expect((caught as InvalidEventError).code).toBe("ERR_INVALID_EVENT");
  return caught as InvalidEventError;
}
