import { spawn } from "node:child_process";
import { constants } from "node:os";
import { formatSystemTime } from "./clock.js";
import type { EventsApiEmulator } from "./events-api-emulator.js";
import type { StructureRun } from "./structure-run.js";

export interface LocalRunOptions {
  /** A started emulator: the structure posts its USER events there. */
  emulator: EventsApiEmulator;
  command: string;
  args?: string[];
  /** An existing run (e.g. created over HTTP); default: a new one. */
  run?: StructureRun;
  structureId?: string;
  /** Environment the command starts from; the three `GT_CLOUD_*` variables and the run's env vars are added. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Where the command's stdout and stderr go: a file descriptor, "ignore", or a function given each chunk.
   * Default: this process's stderr for both.
   */
  stdout?: Output;
  stderr?: Output;
}

export type Output = number | "ignore" | ((chunk: Buffer) => void);

export interface LocalRunResult {
  run: StructureRun;
  /** The structure's exit code; 128 + n when killed by signal n (as shells report it); 127 when it could not start. */
  exitCode: number;
  status: "SUCCEEDED" | "FAILED" | "CANCELLED" | "ERROR";
}

export interface LocalRun {
  readonly run: StructureRun;
  /** Resolves once the run's terminal SYSTEM event is recorded. Never rejects. */
  readonly done: Promise<LocalRunResult>;
  /**
   * Ctrl-C: forwards `signal` to the structure and marks the run CANCELLED when it exits. A second call forwards
   * it again (runStructure then skips its grace period); a third kills the structure.
   */
  cancel(signal?: "SIGINT" | "SIGTERM"): void;
}

/**
 * Runs a command as a structure (DESIGN §5): sets `GT_CLOUD_STRUCTURE_RUN_ID`, `GT_CLOUD_BASE_URL` and a per-run
 * `GT_CLOUD_API_KEY`, and records the SYSTEM events of its lifecycle: Starting, Running, then Completed
 * (SUCCEEDED, FAILED with the exit code, CANCELLED) or Error (the command could not be started).
 */
export function startLocalRun(options: LocalRunOptions): LocalRun {
  const { emulator } = options;
  const run = options.run ?? emulator.createRun({ structureId: options.structureId, args: options.args ?? [] });
  const runId = run.structure_run_id;
  emulator.recordSystemEvent(runId, "StructureRunStarting", { status: "STARTING" });
  const startedAt = formatSystemTime();
  const child = spawn(options.command, options.args ?? run.args, {
    cwd: options.cwd,
    env: {
      ...(options.env ?? process.env),
      ...run.envVars,
      GT_CLOUD_STRUCTURE_RUN_ID: runId,
      GT_CLOUD_BASE_URL: emulator.url,
      GT_CLOUD_API_KEY: run.apiKey,
    },
    stdio: ["ignore", stdio(options.stdout), stdio(options.stderr)],
    // Its own process group: a terminal's Ctrl-C reaches us alone, and we forward it exactly once
    // (a second SIGINT would make runStructure skip the grace period).
    detached: true,
  });
  if (typeof options.stdout === "function") child.stdout?.on("data", options.stdout);
  if (typeof options.stderr === "function") child.stderr?.on("data", options.stderr);
  let cancelled = false;
  let cancels = 0;

  let ended = false;
  const done = new Promise<LocalRunResult>((resolve) => {
    child.once("spawn", () => {
      emulator.recordSystemEvent(runId, "StructureRunRunning", { status: "RUNNING", started_at: startedAt });
    });
    child.once("error", (error: NodeJS.ErrnoException) => {
      // Only a failure to start gets here before 'spawn'; later errors (a failed kill) change nothing.
      if (child.pid !== undefined) return;
      ended = true;
      const reason = error.code === "ENOENT" ? `command not found: ${options.command}` : error.message;
      emulator.recordSystemEvent(runId, "StructureRunError", { status: "ERROR", status_detail: { error: reason } });
      resolve({ run, exitCode: 127, status: "ERROR" });
    });
    // "close", not "exit": the run ends after the structure's last output line has been passed on.
    child.once("close", (code, signal) => {
      // After a failure to start, Node still emits "close" (code -2): the run already ended as ERROR.
      if (ended) return;
      ended = true;
      const exitCode = code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0));
      const status = cancelled ? "CANCELLED" : exitCode === 0 ? "SUCCEEDED" : "FAILED";
      const message = signal !== null ? `killed by ${signal}` : exitCode === 0 ? null : `exited with code ${exitCode}`;
      emulator.recordSystemEvent(runId, "StructureRunCompleted", {
        status,
        started_at: startedAt,
        completed_at: formatSystemTime(),
        status_detail: { reason: REASONS[status], message, exit_code: exitCode },
      });
      resolve({ run, exitCode, status });
    });
  });

  return {
    run,
    done,
    cancel(signal = "SIGINT") {
      cancelled = true;
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      cancels++;
      child.kill(cancels >= 3 ? "SIGKILL" : signal);
    },
  };
}

function stdio(output: Output | undefined): number | "ignore" | "pipe" {
  return typeof output === "function" ? "pipe" : (output ?? 2);
}

const REASONS = { SUCCEEDED: "Completed", FAILED: "Failed", CANCELLED: "Cancelled" } as const;
