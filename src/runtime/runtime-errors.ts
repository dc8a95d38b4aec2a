import { StructureRunEventsError } from "../errors.js";

/** No run has this id in the emulator. Code `ERR_UNKNOWN_RUN`. */
export class UnknownRunError extends StructureRunEventsError {
  readonly runId: string;

  constructor(runId: string) {
    super("ERR_UNKNOWN_RUN", `no structure run with id "${runId}": create it with createRun() first`);
    this.runId = runId;
  }
}

/**
 * A SYSTEM event that the run's lifecycle does not allow now: statuses only move forward
 * (QUEUED → STARTING → RUNNING → a terminal status), and nothing follows a terminal status. Code `ERR_RUN_STATE`.
 */
export class RunStateError extends StructureRunEventsError {
  readonly runId: string;

  constructor(runId: string, message: string) {
    super("ERR_RUN_STATE", message);
    this.runId = runId;
  }
}

/** The emulator is not listening (not started yet, or closed). Code `ERR_NOT_LISTENING`. */
export class EmulatorStateError extends StructureRunEventsError {
  constructor(message: string) {
    super("ERR_NOT_LISTENING", message);
  }
}
