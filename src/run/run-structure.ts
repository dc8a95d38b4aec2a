import { writeSync } from "node:fs";
import { type EventBus, type EventListenerRegistration, eventBus, lendLogger } from "../bus/event-bus.js";
import { EventListener } from "../bus/event-listener.js";
import { delaySetting, type Env, reportsToCloud, resolveIntegerSetting } from "../config.js";
import { boundDelay } from "../delays.js";
import { describeThrown } from "../describe-value.js";
import { type DeliveryReport, type EventListenerDriver, emptyReport } from "../drivers/event-listener-driver.js";
import { GriptapeCloudEventListenerDriver } from "../drivers/griptape-cloud-event-listener-driver.js";
import { reportOutputLossElsewhere } from "../drivers/output-loss-reporters.js";
import { PrettyPrintEventListenerDriver } from "../drivers/pretty-print-event-listener-driver.js";
import { settleReport } from "../drivers/settle-report.js";
import { ConfigError, ShutDownError, StructureRunEventsError } from "../errors.js";
import { type Artifact, toArtifact } from "../events/artifacts.js";
import { serializeEvent } from "../events/serialize-event.js";
import { getDefaultLogger, type Logger } from "../logger.js";
import { outputVerdict, type UndeliveredOutput } from "./output-verdict.js";
import { installProcessHooks, type ProcessHooks } from "./process-hooks.js";
import { drainStdio, type StdioLeft, stdioLeft } from "./stdio-drain.js";

export type { UndeliveredOutput, UndeliveredReason } from "./output-verdict.js";

/** What the entry gets. */
export interface StructureContext {
  /** Command-line arguments after the script, as the Python template reads `sys.argv[1:]`. */
  readonly args: string[];
  /**
   * Publishes on the run's bus (`eventBus` unless the `bus` option says otherwise); see `EventBus.publishEvent`.
   * After the run's `FinishStructureRunEvent` it checks the event but does not send it, and warns once.
   */
  readonly publishEvent: EventBus["publishEvent"];
  readonly bus: EventBus;
  /** Aborted on SIGTERM/SIGINT: stop work, then return or throw within the grace period. */
  readonly signal: AbortSignal;
}

export type StructureEntry<T = unknown> = (context: StructureContext) => T | Promise<T>;

export interface RunStructureOptions {
  /** Default: `process.argv.slice(2)`. */
  args?: string[];
  /**
   * Default: the shared `eventBus`, so that events published on it anywhere during the run reach the run's driver.
   * Whichever bus it is, the run adds its listeners to it and removes them at the end, flushes the bus's other
   * drivers (not shut down), and a bus without a logger of its own reports through `logger` during the run.
   */
  bus?: EventBus;
  /**
   * Default: a `GriptapeCloudEventListenerDriver` when `GT_CLOUD_STRUCTURE_RUN_ID` is set (Griptape Cloud or
   * the local runtime), else a readable printer on stderr. Shut down at the end of the run.
   */
  driver?: EventListenerDriver;
  /** Default: `process.env`. */
  env?: Env;
  /**
   * Deadline to deliver pending events and the Finish event at the end, and then for stdout and stderr to be read
   * (a slow reader's queue, which exiting would drop). Env `GT_EVENTS_SHUTDOWN_TIMEOUT_MS`;
   * default 10 000; at most 86 400 000 (a day).
   */
  shutdownTimeoutMs?: number;
  /**
   * Time the entry gets to wind down after SIGTERM/SIGINT. Env `GT_EVENTS_SIGNAL_GRACE_MS`; default 2 000; at most
   * 86 400 000.
   */
  signalGraceMs?: number;
  /**
   * End the process with the run's exit code once delivered, whatever handles user code left open. Default true.
   * The process ends once the code awaiting the run has had its turn: a later `runStructure` call throws.
   */
  exit?: boolean;
  /** Default: warnings and errors to stderr (text on a terminal, JSON otherwise; `GT_EVENTS_LOG_FORMAT`). */
  logger?: Logger;
}

export const DEFAULT_RUN_OPTIONS = { shutdownTimeoutMs: 10_000, signalGraceMs: 2_000 } as const;

/** How the run ended. */
export type RunEnd =
  | "returned"
  | "threw"
  | "SIGTERM"
  | "SIGINT"
  | "uncaught_exception"
  | "unhandled_rejection"
  | "stalled";

export interface RunStructureResult {
  /** The process's exit code: the run's own, or 1 instead of 0 when the output was not delivered. */
  exitCode: number;
  end: RunEnd;
  /** The `output_task_output` of the Finish event this call published, or null if the entry published its own. */
  output: Artifact | null;
  /** Delivery counts of the run's driver at the end, the Finish event included. */
  report: DeliveryReport;
  /** Whether the Finish event (the run's output) was acknowledged where the run's driver sends it. */
  delivered: boolean;
  /** When `delivered` is false: why, the setting to check, and the sentence printed on stderr. */
  undelivered?: UndeliveredOutput;
}

interface Outcome {
  end: RunEnd;
  exitCode: number;
  /** The entry's return value, when it returned. */
  value?: unknown;
  /** What becomes the ErrorArtifact, boxed so that `throw undefined` is still something thrown. */
  error?: { value: unknown };
  /** Also printed on stderr (the ErrorArtifact's error is printed unless the run ended by a signal). */
  alsoPrint?: { value: unknown };
  /**
   * The library's own account of the end, printed as one `structure-run-events: …` line instead of the error's
   * detail: the error is made here, so its stack would point into the library, not at the user's code.
   */
  notice?: string;
}

const EXIT_CODES: Record<RunEnd, number> = {
  returned: 0,
  threw: 1,
  SIGTERM: 143,
  SIGINT: 130,
  uncaught_exception: 1,
  unhandled_rejection: 1,
  stalled: 1,
};

/**
 * How long past the delivery deadline the run waits for its driver before giving up on it: a driver's shutdown
 * is bounded by the deadline already, this only stops one that never settles from holding the process. More than
 * the bus's `DRIVER_GRACE_MS`, so that another driver on the bus that never settles has been given up on (by
 * `bus.flush`) before this deadline can cost the run its own driver's report.
 */
const EXIT_MARGIN_MS = 1_000;
/** A setting to fix (a `ConfigError` with `exit: true`): 2, the code the CLI exits with for one. */
const CONFIG_EXIT_CODE = 2;
const PREFIX = "structure-run-events: ";

let running = false;
/** The exit code of a run that ended with `exit: true`; the process exits with it once the current work is done. */
let exitingWith: number | undefined;

/**
 * Runs a structure's entry and guarantees that exactly one `FinishStructureRunEvent` is delivered after
 * every event published before it, however the process ends (see docs/run-structure.md). When it was not
 * delivered, the run fails: a non-zero exit code and one sentence on stderr saying why.
 */
export function runStructure<T>(
  entry: StructureEntry<T>,
  options: RunStructureOptions = {},
): Promise<RunStructureResult> {
  if (exitingWith !== undefined) {
    // Without this, the second run of `await runStructure(a); await runStructure(b)` would silently never run.
    throw new ShutDownError(
      `runStructure cannot start: an earlier run ended the process (exit code ${exitingWith}). Run one structure per process, or pass { exit: false } to every run but the last`,
    );
  }
  if (running) {
    throw new StructureRunEventsError("ERR_ALREADY_RUNNING", "runStructure is already running in this process");
  }
  let settings: RunSettings;
  try {
    settings = resolveRunSettings(options);
  } catch (error) {
    if (!(error instanceof ConfigError) || options.exit === false) throw error;
    // The run owns the process (`exit: true`): a setting to fix is one line and exit code 2, as the CLI says it,
    // not the unhandled-rejection dump a throw from a top-level `await` becomes. Nothing was published: without
    // valid settings there is nowhere to send a Finish event. The promise never settles: the process ends first.
    exitingWith = CONFIG_EXIT_CODE;
    writeStderr(`${PREFIX}${error.message}\n`);
    setImmediate(() => process.exit(CONFIG_EXIT_CODE));
    return new Promise<RunStructureResult>(() => {});
  }
  const { shutdownTimeoutMs, signalGraceMs, logger, driver } = settings;
  // The run says a lost output in one sentence of its own (below); the driver's closing line would repeat it.
  safely(() => reportOutputLossElsewhere(driver));
  running = true;

  // The shared bus by default, so that code publishing on `eventBus` (as a port of Python's
  // `EventBus.publish_event(...)` does) reaches the run's driver. Either way the bus is not the run's own: the run adds
  // its listeners to it and removes them at the end, and shuts down only its driver.
  const bus = options.bus ?? eventBus;
  const returnLogger = lendLogger(bus, logger);
  let finishPublished = false;
  const registrations: EventListenerRegistration[] = [
    bus.addEventListener(new EventListener({ driver })),
    bus.addEventListener(
      new EventListener({
        eventTypes: ["FinishStructureRunEvent"],
        onEvent: () => {
          finishPublished = true;
        },
      }),
    ),
  ];
  const controller = new AbortController();
  const args = options.args ?? process.argv.slice(2);
  let phase: "running" | "finishing" | "done" = "running";
  let signalled: "SIGTERM" | "SIGINT" | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let output: Artifact | null = null;
  let hooks: ProcessHooks | undefined;

  const publishFinish = (outcome: Outcome): void => {
    if (finishPublished) return;
    output = outputArtifact(outcome);
    try {
      bus.publishEvent({ type: "FinishStructureRunEvent", output_task_output: output });
    } catch (error) {
      // An output too large or unserialisable for the wire still ends the run, as an error.
      output = errorArtifact(`the structure's output could not be sent: ${describeThrown(error).message}`);
      if (outcome.exitCode === 0) outcome.exitCode = 1;
      bus.publishEvent({ type: "FinishStructureRunEvent", output_task_output: output });
    }
  };

  /** Drops what the run added to the bus, and the process hooks. */
  const release = (): void => {
    phase = "done";
    safely(() => hooks?.remove());
    for (const registration of registrations) safely(() => registration.remove());
    returnLogger();
    running = false;
  };

  const verdict = (report: DeliveryReport | undefined): UndeliveredOutput | undefined => {
    try {
      return outputVerdict(driver, report, { deadlineMs: shutdownTimeoutMs, destination: destinationOf(driver) });
    } catch {
      return { reason: "unknown", message: "the run's output may not have been delivered: its driver could not say." };
    }
  };

  return new Promise<RunStructureResult>((resolve) => {
    // Every step of the end is guarded on its own: whatever user code threw, or a driver does, the run still
    // publishes its Finish event, still says what was lost, and the process still ends with a code.
    const end = async (outcome: Outcome): Promise<void> => {
      if (phase !== "running") return;
      phase = "finishing";
      clearTimeout(graceTimer);
      // The one deadline of the end: delivery, then what stdout and stderr still hold, never past it.
      const endsBy = performance.now() + shutdownTimeoutMs;
      // Ref'd on purpose, and bounded: delivery must not be cut short because every other handle is gone
      // (retry waits are unref'd), nor held past its deadline by a driver that never settles.
      let keepAlive: NodeJS.Timeout | undefined;
      const deadline = new Promise<undefined>((settle) => {
        keepAlive = setTimeout(() => settle(undefined), boundDelay(shutdownTimeoutMs + EXIT_MARGIN_MS));
      });
      if (outcome.notice !== undefined) writeStderr(`${PREFIX}${outcome.notice}\n`);
      else if (outcome.error !== undefined && outcome.end !== "SIGTERM" && outcome.end !== "SIGINT") {
        writeStderr(`${describeThrown(outcome.error.value).detail}\n`);
      }
      if (outcome.alsoPrint !== undefined) writeStderr(`${describeThrown(outcome.alsoPrint.value).detail}\n`);
      safely(() => publishFinish(outcome));
      const report = await Promise.race([deliver(), deadline]);
      clearTimeout(keepAlive);
      const undelivered = verdict(report);
      if (undelivered !== undefined) {
        if (outcome.exitCode === 0) outcome.exitCode = 1;
        writeStderr(`${PREFIX}${undelivered.message}\n`);
      } else if (report !== undefined && report.failed + report.dropped + report.pending > 0) {
        const lost = report.failed + report.dropped + report.pending;
        safely(() =>
          logger.warn(
            `${lost} of ${lost + report.sent} event(s) of the run were not delivered (failed ${report.failed}, dropped ${report.dropped}, pending ${report.pending}); the run's output was delivered`,
          ),
        );
      }
      release();
      const result: RunStructureResult = {
        exitCode: outcome.exitCode,
        end: outcome.end,
        output,
        report: report ?? emptyReport(),
        delivered: undelivered === undefined,
        ...(undelivered === undefined ? {} : { undelivered }),
      };
      if (options.exit === false) {
        resolve(result);
        return;
      }
      exitingWith = outcome.exitCode;
      resolve(result);
      // Not at once: the code awaiting this run gets its turn first, so that a second runStructure it calls
      // throws a clear error instead of silently never running. Then what the structure printed reaches its reader
      // (a slow pipe holds it queued in the process, and exit would drop it), within what is left of the deadline.
      setImmediate(() => {
        drainStdio(endsBy - performance.now()).then(
          (left) => {
            if (left.stdout + left.stderr > 0) writeStderr(`${PREFIX}${unreadStdio(left)}\n`);
            process.exit(outcome.exitCode);
          },
          () => process.exit(outcome.exitCode),
        );
      });
    };

    /** The run's driver shut down, the bus's other drivers flushed, under the one deadline. */
    const deliver = async (): Promise<DeliveryReport | undefined> => {
      const timeoutMs = shutdownTimeoutMs;
      const [own] = await Promise.all([
        settle(() => driver.shutdown({ timeoutMs })),
        settle(() => bus.flush({ timeoutMs })),
      ]);
      return own;
    };

    const finishWith = (endKind: RunEnd, extra: Partial<Outcome> = {}): void => {
      end({ end: endKind, exitCode: EXIT_CODES[endKind], ...extra }).catch(() => {
        // end() guards every step; should it fail anyway, the process must still end, and with a failure.
        release();
        if (options.exit !== false) process.exit(EXIT_CODES[endKind] || 1);
      });
    };
    const terminated = (signal: "SIGTERM" | "SIGINT", alsoPrint?: { value: unknown }): void =>
      finishWith(signal, {
        error: { value: new Error(`terminated by ${signal}`) },
        ...(alsoPrint === undefined ? {} : { alsoPrint }),
      });

    hooks = installProcessHooks({
      onSignal: (signal) => {
        // While finishing, delivery is bounded by its deadline: a signal then is not allowed to cut the output off.
        if (phase !== "running") return;
        if (signalled !== undefined) {
          // A second signal: the user is impatient, skip the rest of the grace period.
          terminated(signalled);
          return;
        }
        signalled = signal;
        controller.abort(new StructureRunEventsError("ERR_ABORTED", `the run received ${signal}`));
        graceTimer = setTimeout(() => terminated(signal), boundDelay(signalGraceMs));
      },
      // An exception while winding down after a signal still ends the run as that signal (it was cancelled).
      onUncaughtException: (error) =>
        signalled !== undefined
          ? terminated(signalled, { value: error })
          : finishWith("uncaught_exception", { error: { value: error } }),
      onUnhandledRejection: (reason) =>
        signalled !== undefined
          ? terminated(signalled, { value: reason })
          : finishWith("unhandled_rejection", { error: { value: reason } }),
      onBeforeExit: () => {
        if (phase === "running") {
          const notice =
            "the event loop emptied while the entry had not settled: it awaits a promise that never resolves";
          finishWith("stalled", { error: { value: new Error(notice) }, notice });
        }
      },
      onExit: (code) => {
        if (phase === "done") return;
        // process.exit() from user code: the loop will not turn again, so deliver synchronously.
        const why = `the process exited with code ${code} before the structure finished`;
        const outcome: Outcome = { end: "threw", exitCode: code, error: { value: new Error(why) } };
        // Exit 0 with no output of the code's own is a failure: the output published here is an ErrorArtifact,
        // and a run whose output says it failed must not exit as a success. Setting `process.exitCode` in an
        // 'exit' listener is how Node lets one change the code of a `process.exit(0)` already under way (the code
        // after every listener ran; checked on Node 20 and 24). A Finish event the code published itself is its
        // output: its exit(0) stands. A non-zero `process.exit(n)` keeps n.
        if (code === 0 && !finishPublished) {
          writeStderr(`${PREFIX}${why}, so it has no output: exit code 1.\n`);
          process.exitCode = 1;
        }
        safely(() => publishFinish(outcome));
        safely(() => bus.flushSync({ timeoutMs: shutdownTimeoutMs }));
        // Without a synchronous delivery the driver cannot say at this point: claim nothing either way.
        if (typeof driver.flushSync === "function") {
          const report = safely(() => driver.flushSync?.({ timeoutMs: shutdownTimeoutMs }));
          const undelivered = verdict(report);
          if (undelivered !== undefined) {
            writeStderr(`${PREFIX}${undelivered.message}\n`);
            if (code === 0) process.exitCode = 1;
          }
        }
        // Nothing asynchronous runs after process.exit(): what a slow reader had not taken yet is lost. Say so,
        // and how to avoid it (see docs/run-structure.md).
        const left = safely(stdioLeft);
        if (left !== undefined && left.stdout + left.stderr > 0) {
          writeStderr(`${PREFIX}${unreadAtExit(left)}\n`);
        }
        release();
      },
    });

    safely(
      () => bus.publishEvent({ type: "StartStructureRunEvent", input_task_input: toArtifact(args) }),
      (error) =>
        safely(() => logger.error(`could not publish StartStructureRunEvent: ${describeThrown(error).message}`)),
    );
    // After the run's Finish event the run is over: an event published then would reach the API after the output
    // (or, once the driver is shut down, be counted as dropped, which means a full queue). It is checked as before,
    // not sent, and said once. Not a throw: such a call comes from a timer or callback the entry left behind, where
    // a ShutDownError would be an uncaught exception on the exit path (see docs/run-structure.md).
    let lateWarned = false;
    const publishEvent = ((input: Parameters<EventBus["publishEvent"]>[0]) => {
      if (!finishPublished && phase !== "done") return bus.publishEvent(input);
      const snapshot = serializeEvent(input);
      if (!lateWarned) {
        lateWarned = true;
        safely(() =>
          logger.warn(
            `publishEvent(${snapshot.type}) after the run's FinishStructureRunEvent: the event is not sent, the run is over (said once per run)`,
          ),
        );
      }
      return snapshot;
    }) as EventBus["publishEvent"];
    const context: StructureContext = {
      args,
      publishEvent,
      bus,
      signal: controller.signal,
    };
    Promise.resolve()
      .then(() => entry(context))
      .then(
        (value) => {
          if (signalled !== undefined) terminated(signalled);
          else finishWith("returned", { value });
        },
        (error: unknown) => {
          if (signalled !== undefined) terminated(signalled);
          else finishWith("threw", { error: { value: error } });
        },
      );
  });
}

interface RunSettings {
  shutdownTimeoutMs: number;
  signalGraceMs: number;
  logger: Logger;
  driver: EventListenerDriver;
}

/** The run's options and environment, read once; a bad value is a ConfigError naming it. */
function resolveRunSettings(options: RunStructureOptions): RunSettings {
  const env = options.env ?? process.env;
  const shutdownTimeoutMs =
    resolveIntegerSetting("shutdownTimeoutMs", options.shutdownTimeoutMs, env, delaySetting(0)) ??
    DEFAULT_RUN_OPTIONS.shutdownTimeoutMs;
  const signalGraceMs =
    resolveIntegerSetting("signalGraceMs", options.signalGraceMs, env, delaySetting(0)) ??
    DEFAULT_RUN_OPTIONS.signalGraceMs;
  const logger = options.logger ?? getDefaultLogger();
  const driver = options.driver ?? defaultDriver(env, logger);
  return { shutdownTimeoutMs, signalGraceMs, logger, driver };
}

function defaultDriver(env: Env, logger: Logger): EventListenerDriver {
  return reportsToCloud(env)
    ? new GriptapeCloudEventListenerDriver({ env, logger })
    : new PrettyPrintEventListenerDriver();
}

/** The line for output a reader did not take before the deadline: it is lost, and the user should know. */
function unreadStdio(left: StdioLeft): string {
  return `${describeLeft(left)} had not been read by the shutdown deadline (GT_EVENTS_SHUTDOWN_TIMEOUT_MS) and are lost: their reader reads too slowly or not at all`;
}

/** The line for output still queued when user code called `process.exit()`, which cannot wait for it. */
function unreadAtExit(left: StdioLeft): string {
  return `${describeLeft(left)} had not been read when the code called process.exit() and are lost: return from the entry instead, and runStructure waits for a slow reader`;
}

function describeLeft(left: StdioLeft): string {
  const parts = [
    ...(left.stdout > 0 ? [`${left.stdout} byte(s) written to stdout`] : []),
    ...(left.stderr > 0 ? [`${left.stderr} byte(s) written to stderr`] : []),
  ];
  return parts.join(" and ");
}

/** Where the run's output goes, for the sentence that says it did not get there. Never holds credentials. */
function destinationOf(driver: EventListenerDriver): string {
  if (driver instanceof GriptapeCloudEventListenerDriver) {
    try {
      return `the Events API at ${new URL(driver.baseUrl).origin}`;
    } catch {
      return "the Events API";
    }
  }
  return "the run's driver";
}

function outputArtifact(outcome: Outcome): Artifact {
  if (outcome.end !== "returned") return errorArtifact(describeThrown(outcome.error?.value).message);
  try {
    return toArtifact(outcome.value);
  } catch (error) {
    outcome.exitCode = 1;
    return errorArtifact(`the structure's output could not be sent: ${describeThrown(error).message}`);
  }
}

/** An ErrorArtifact built from text only: nothing of a hostile thrown value reaches `toArtifact`. */
function errorArtifact(message: string): Artifact {
  return toArtifact(new Error(message));
}

/** Settles a driver or bus call: a report, or undefined when it threw, rejected or returned something else. */
async function settle(call: () => Promise<DeliveryReport>): Promise<DeliveryReport | undefined> {
  const answer = await settleReport(call);
  return answer.kind === "report" ? answer.report : undefined;
}

function safely<T>(step: () => T, onError?: (error: unknown) => void): T | undefined {
  try {
    return step();
  } catch (error) {
    onError?.(error);
    return undefined;
  }
}

function writeStderr(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // stderr closed: nothing to tell.
  }
}
