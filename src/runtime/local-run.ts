import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:os";
import { delaySetting, ENV } from "../config.js";
import { ConfigError } from "../errors.js";
import { formatSystemTime } from "./clock.js";
import type { EventsApiEmulator } from "./events-api-emulator.js";
import { ProcessGroup } from "./process-group.js";
import type { StructureRun, StructureRunResource } from "./structure-run.js";

/**
 * Defaults of `startLocalRun`.
 * - `killAfterMs` 15 s: after the first `cancel()`, how long the structure's process group has to end before it is
 *   SIGKILLed. runStructure needs its signal grace (2 s) plus its delivery deadline (10 s) by default; a
 *   supervisor's single SIGTERM (a CI cancel, `timeout`) must still end everything.
 * - `leftoverGraceMs` 1 s: once the structure's own process has exited, what it left running in its group gets
 *   SIGTERM, then SIGKILL after this; the run ends when the output pipes close or this has passed.
 */
export const LOCAL_RUN_DEFAULTS = {
  killAfterMs: 15_000,
  leftoverGraceMs: 1_000,
} as const;

export interface LocalRunOptions {
  /** A started emulator: the structure posts its USER events there. */
  emulator: EventsApiEmulator;
  command: string;
  /**
   * The command's own arguments (`["my-structure.js"]`). The run's `args`, its input as in Griptape Cloud, follow
   * them on the command line. Default none.
   */
  args?: string[];
  /** An existing run (e.g. created over HTTP, with its args); default: a new one, without args. */
  run?: StructureRun;
  structureId?: string;
  /**
   * Environment the command starts from, less the emulator's master key variable (`GT_EMULATOR_API_KEY`); the
   * three `GT_CLOUD_*` variables and the run's env vars are added. Default `process.env`.
   */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Where the command's stdout and stderr go: a file descriptor, "ignore", or a function given each chunk.
   * Default: this process's stderr for both.
   */
  stdout?: Output;
  stderr?: Output;
  /** After the first `cancel()`, the time the structure has before its process group is killed. Default 15 000 ms. */
  killAfterMs?: number;
}

export type Output = number | "ignore" | ((chunk: Buffer) => void);

export interface LocalRunResult {
  /** The run resource as the run ended (status, output, status_detail…), as `GET /api/structure-runs/{id}` has it. */
  run: StructureRunResource;
  /**
   * The structure's exit code; 128 + n when killed by signal n (as shells report it); 127 when the command was
   * not found, 126 when it could not be started for another reason (not executable, arguments too large, a NUL
   * byte in an argument or variable).
   */
  exitCode: number;
  status: "SUCCEEDED" | "FAILED" | "CANCELLED" | "ERROR";
}

export interface LocalRun {
  readonly run: StructureRun;
  /**
   * Resolves once the run's terminal SYSTEM event is recorded, with the run as it ended. Never rejects. When the
   * holder of the emulator ended the run itself meanwhile (`recordSystemEvent`), that end stands: `done` resolves
   * with it (and its status) once the command exits.
   */
  readonly done: Promise<LocalRunResult>;
  /**
   * Ctrl-C: sends `signal` to the structure's whole process group and marks the run CANCELLED when it exits. A
   * second call sends it again (runStructure then skips its grace period); a third, or `killAfterMs` after the
   * first, kills the group.
   */
  cancel(signal?: "SIGINT" | "SIGTERM" | "SIGHUP"): void;
}

/**
 * Runs a command as a structure (see docs/local-runtime.md): `command`, its own `args`, then the run's args (its
 * input), as Griptape Cloud appends a run's args to the structure's command. Sets `GT_CLOUD_STRUCTURE_RUN_ID`,
 * `GT_CLOUD_BASE_URL` (`emulator.url`, on loopback) and a per-run `GT_CLOUD_API_KEY`, and records the SYSTEM events of its lifecycle: Starting, Running, then
 * Completed (SUCCEEDED, FAILED with the exit code, CANCELLED) or Error (the command could not be started).
 * The command runs in its own process group; the run ends when the command's process exits, and whatever it left
 * running in its group is ended then.
 */
export function startLocalRun(options: LocalRunOptions): LocalRun {
  const { emulator } = options;
  // Checked before anything is created: a bad setting leaves no run behind.
  const killAfterMs = killAfterSetting(options.killAfterMs);
  // The command line is not the run's input: a run made here has no args, whatever the command's own are.
  const run = options.run ?? emulator.createRun({ structureId: options.structureId });
  const runId = run.structure_run_id;
  const args = [...(options.args ?? []), ...run.args];
  emulator.recordSystemEvent(runId, "StructureRunStarting", { status: "STARTING" });
  const startedAt = formatSystemTime();
  const env = childEnv(options.env ?? process.env, run, emulator.url);

  let resolveDone!: (result: LocalRunResult) => void;
  const done = new Promise<LocalRunResult>((resolve) => {
    resolveDone = resolve;
  });
  // Read once the terminal event is recorded: the run as it ended, in its wire form (no key, no env var values).
  // When the run had already ended in-process (the caller recorded a terminal SYSTEM event itself), that end is
  // the run's, and so the result's status.
  const settle = (result: Omit<LocalRunResult, "run">): void => {
    let ended: StructureRun = run;
    try {
      ended = emulator.getRun(runId) ?? run;
    } catch {
      // The run as it started is all there is to give; `done` must resolve all the same.
    }
    const { apiKey: _key, envVars: _envVars, ...resource } = ended;
    const status = isResultStatus(resource.status) ? resource.status : result.status;
    resolveDone({ ...result, status, run: resource });
  };
  /**
   * Records a SYSTEM event of the run's lifecycle unless the run's status has moved past it meanwhile: the emulator
   * is in-process, and whoever holds it may record SYSTEM events too (`RunStateError`). Such a throw from a child
   * process's event handler would be an uncaught exception in the host, and `done` would never resolve.
   */
  const record = (...event: Parameters<typeof emulator.recordSystemEvent>): void => {
    try {
      emulator.recordSystemEvent(...event);
    } catch {
      // The run's status is what it is; `settle` reports it as it ended.
    }
  };
  let ended = false;
  const failToStart = (error: unknown): void => {
    if (ended) return;
    ended = true;
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    record(runId, "StructureRunError", {
      status: "ERROR",
      status_detail: { error: startFailure(options.command, args, env, code) },
    });
    settle({ exitCode: code === "ENOENT" ? 127 : 126, status: "ERROR" });
  };

  let child: ChildProcess;
  try {
    child = spawn(options.command, args, {
      cwd: options.cwd,
      env,
      stdio: ["ignore", stdio(options.stdout), stdio(options.stderr)],
      // Its own process group: a terminal's Ctrl-C reaches us alone, and we pass it on exactly once to the whole
      // group (a second SIGINT would make runStructure skip the grace period).
      detached: true,
    });
  } catch (error) {
    // Thrown at once for E2BIG, a NUL byte in an argument or a variable, …: its message may quote a variable's
    // value, so only its code is kept.
    failToStart(error);
    return { run, done, cancel: () => undefined };
  }

  const group = child.pid === undefined ? undefined : new ProcessGroup(child.pid);
  if (typeof options.stdout === "function") child.stdout?.on("data", options.stdout);
  if (typeof options.stderr === "function") child.stderr?.on("data", options.stderr);
  let cancelled = false;
  let cancels = 0;
  let exited = false;
  let killTimer: NodeJS.Timeout | undefined;

  child.once("spawn", () => {
    record(runId, "StructureRunRunning", { status: "RUNNING", started_at: startedAt });
  });
  child.once("error", (error: NodeJS.ErrnoException) => {
    // Only a failure to start gets here before 'spawn'; later errors (a failed kill) change nothing.
    if (child.pid !== undefined) return;
    failToStart(error);
  });
  // "exit", not "close": a process it left running (`sleep 15 &`) may hold the output pipes open for ever.
  child.once("exit", (code, signal) => {
    exited = true;
    clearTimeout(killTimer);
    // After a failure to start, Node still emits "exit" (code -2): the run already ended as ERROR.
    if (ended || group === undefined) return;
    // Whatever ending the leftovers does, the run ends: `done` never rejects and must not stay pending.
    void endLeftovers(child, group)
      .catch(() => {})
      .then(() => {
        ended = true;
        const exitCode = code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0));
        const status = cancelled ? "CANCELLED" : exitCode === 0 ? "SUCCEEDED" : "FAILED";
        const message =
          signal !== null ? `killed by ${signal}` : exitCode === 0 ? null : `exited with code ${exitCode}`;
        record(runId, "StructureRunCompleted", {
          status,
          started_at: startedAt,
          completed_at: formatSystemTime(),
          status_detail: { reason: REASONS[status], message, exit_code: exitCode },
        });
        settle({ exitCode, status });
      });
  });

  return {
    run,
    done,
    cancel(signal = "SIGINT") {
      if (ended || exited || group === undefined) return;
      cancelled = true;
      cancels++;
      if (cancels >= 3) {
        group.signal("SIGKILL");
        return;
      }
      group.signal(signal);
      if (killTimer === undefined) {
        killTimer = setTimeout(() => group.signal("SIGKILL"), killAfterMs);
        // The child's own handle keeps the loop alive while it runs; the timer must not do it after.
        killTimer.unref();
      }
    },
  };
}

/**
 * After the structure's process exited: SIGTERM to what it left in its group, then wait for the output pipes to
 * close (its last lines are passed on before the run ends), at most `leftoverGraceMs`; then SIGKILL the rest.
 */
async function endLeftovers(child: ChildProcess, group: ProcessGroup): Promise<void> {
  group.signal("SIGTERM");
  const pipes = [child.stdout, child.stderr].filter((s) => s !== null && !s.destroyed && !s.readableEnded);
  if (pipes.length > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, LOCAL_RUN_DEFAULTS.leftoverGraceMs);
      timer.unref();
      child.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  group.killAndRelease();
  for (const pipe of pipes) pipe?.destroy();
}

/**
 * The structure's environment: the base less the emulator's master key variable (the structure gets its own run
 * key only), the run's env vars, then the three `GT_CLOUD_*` variables.
 */
function childEnv(base: NodeJS.ProcessEnv, run: StructureRun, baseUrl: string): NodeJS.ProcessEnv {
  const { [ENV.emulatorApiKey]: _masterKey, ...rest } = base;
  return {
    ...rest,
    ...run.envVars,
    [ENV.structureRunId]: run.structure_run_id,
    [ENV.baseUrl]: baseUrl,
    [ENV.apiKey]: run.apiKey,
  };
}

/** Why a command could not start, in one sentence that names arguments and variables but never their values. */
function startFailure(command: string, args: readonly string[], env: NodeJS.ProcessEnv, code: string | undefined) {
  const name = JSON.stringify(command.replaceAll("\0", "\\0").slice(0, 200));
  if (code === "ENOENT") return `command not found: ${command.replaceAll("\0", "\\0").slice(0, 200)}`;
  if (code === "EACCES") return `permission denied: ${name} is not executable`;
  if (code === "E2BIG")
    return `cannot start ${name}: its arguments and environment are too large for the system (E2BIG)`;
  if (command.includes("\0")) return "cannot start the command: its name contains a NUL byte";
  const arg = args.findIndex((a) => a.includes("\0"));
  if (arg >= 0) return `cannot start ${name}: argument ${arg + 1} contains a NUL byte`;
  const variable = Object.entries(env).find(([k, v]) => k.includes("\0") || (v ?? "").includes("\0"))?.[0];
  if (variable !== undefined) {
    return `cannot start ${name}: environment variable ${JSON.stringify(variable.replaceAll("\0", "\\0"))} contains a NUL byte`;
  }
  return `cannot start ${name} (${code ?? "unknown error"})`;
}

function stdio(output: Output | undefined): number | "ignore" | "pipe" {
  return typeof output === "function" ? "pipe" : (output ?? 2);
}

const REASONS = { SUCCEEDED: "Completed", FAILED: "Failed", CANCELLED: "Cancelled" } as const;

function isResultStatus(status: string): status is LocalRunResult["status"] {
  return status === "SUCCEEDED" || status === "FAILED" || status === "CANCELLED" || status === "ERROR";
}

/** `killAfterMs`, validated like every delay setting (see src/delays.ts): a timer past 2^31-1 ms fires at once. */
function killAfterSetting(value: unknown): number {
  if (value === undefined) return LOCAL_RUN_DEFAULTS.killAfterMs;
  const parsed = delaySetting(0).safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    "killAfterMs",
    `option killAfterMs is invalid: ${parsed.error.issues[0]?.message ?? "not a delay"}`,
  );
}
