// Builds USER events as a structure sends them and posts them to a run of an emulator under test.
import { type EventsApiEmulator, formatSystemTime, type StructureRun } from "../../src/index.js";

let counter = 0;

/** A 32-hex id, unique in the process. */
export function hexId(): string {
  counter++;
  return counter.toString(16).padStart(32, "0");
}

export interface Envelope {
  type: string;
  timestamp: number;
  payload: Record<string, unknown>;
}

/** A POST envelope for an event of `type` with `fields` (`id`, `timestamp`, `meta` filled in). */
export function event(type: string, fields: Record<string, unknown> = {}): Envelope {
  const timestamp = Date.now() / 1000;
  return { type, timestamp, payload: { type, id: hexId(), timestamp, meta: {}, ...fields } };
}

export function artifact(type: string, value: unknown, name: string = hexId()): Record<string, unknown> {
  return { type, id: hexId(), reference: null, meta: {}, name, value };
}

export async function post(emulator: EventsApiEmulator, run: StructureRun, envelopes: Envelope[]): Promise<void> {
  const res = await fetch(`${emulator.url}/api/structure-runs/${run.structure_run_id}/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${run.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(envelopes),
  });
  if (res.status !== 202) throw new Error(`POST events answered ${res.status}: ${await res.text()}`);
}

/** STARTING then RUNNING, as startLocalRun records them. */
export function startRun(emulator: EventsApiEmulator, run: StructureRun): string {
  const startedAt = formatSystemTime();
  emulator.recordSystemEvent(run.structure_run_id, "StructureRunStarting", { status: "STARTING" });
  emulator.recordSystemEvent(run.structure_run_id, "StructureRunRunning", { status: "RUNNING", started_at: startedAt });
  return startedAt;
}

export function completeRun(emulator: EventsApiEmulator, run: StructureRun, startedAt: string, exitCode = 0): void {
  emulator.recordSystemEvent(run.structure_run_id, "StructureRunCompleted", {
    status: exitCode === 0 ? "SUCCEEDED" : "FAILED",
    started_at: startedAt,
    completed_at: formatSystemTime(),
    status_detail: { reason: exitCode === 0 ? "Completed" : "Failed", message: null, exit_code: exitCode },
  });
}
