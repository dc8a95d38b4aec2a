import { writeSync } from "node:fs";
import * as z from "zod";
import { EventBus } from "../bus/event-bus.js";
import { EventListener } from "../bus/event-listener.js";
import { resolveIntegerSetting } from "../drivers/batching-options.js";
import { type DeliveryReport, type EventListenerDriver, emptyReport } from "../drivers/event-listener-driver.js";
import { GriptapeCloudEventListenerDriver } from "../drivers/griptape-cloud-event-listener-driver.js";
import { PrettyPrintEventListenerDriver } from "../drivers/pretty-print-event-listener-driver.js";
import { StructureRunEventsError } from "../errors.js";
import { type Artifact, toArtifact } from "../events/artifacts.js";
import { getDefaultLogger, type Logger } from "../logger.js";
import { installProcessHooks, type ProcessHooks } from "./process-hooks.js";

/** What the entry gets. */
export interface StructureContext {
  /** Command-line arguments after the script, as the Python template reads `sys.argv[1:]`. */
  readonly args: string[];
  /** Publishes on the run's bus; see `EventBus.publishEvent`. */
  readonly publishEvent: EventBus["publishEvent"];
  readonly bus: EventBus;
  /** Aborted on SIGTERM/SIGINT: stop work, then return or throw within the grace period. */
  readonly signal: AbortSignal;
}

export type StructureEntry<T = unknown> = (context: StructureContext) => T | Promise<T>;

export interface RunStructureOptions {
  /** Default: `process.argv.slice(2)`. */
  args?: string[];
  /** Default: a new bus. */
  bus?: EventBus;
  /**
   * Default: a `GriptapeCloudEventListenerDriver` when `GT_CLOUD_STRUCTURE_RUN_ID` is set (Griptape Cloud or
   * the local runtime), else a readable printer on stderr.
   */
  driver?: EventListenerDriver;
  /** Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Deadline to deliver pending events and the Finish event at the end. Env `GT_EVENTS_SHUTDOWN_TIMEOUT_MS`; default 10 000. */
  shutdownTimeoutMs?: number;
  /** Time the entry gets to wind down after SIGTERM/SIGINT. Env `GT_EVENTS_SIGNAL_GRACE_MS`; default 2 000. */
  signalGraceMs?: number;
  /** End the process with the run's exit code once delivered, whatever handles user code left open. Default true. */
  exit?: boolean;
  /** Default: warnings and errors to stderr. */
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
  exitCode: number;
  end: RunEnd;
  /** The `output_task_output` of the Finish event this call published, or null if the entry published its own. */
  output: Artifact | null;
  /** Delivery counts at the end, the Finish event included. */
  report: DeliveryReport;
}

interface Outcome {
  end: RunEnd;
  exitCode: number;
  value?: unknown;
  error?: unknown;
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

let running = false;

/**
 * Runs a structure's entry and guarantees that exactly one `FinishStructureRunEvent` is delivered after
 * every event published before it, however the process ends (DESIGN §4).
 */
export function runStructure<T>(
  entry: StructureEntry<T>,
  options: RunStructureOptions = {},
): Promise<RunStructureResult> {
  if (running) {
    throw new StructureRunEventsError("ERR_ALREADY_RUNNING", "runStructure is already running in this process");
  }
  const env = options.env ?? process.env;
  const setting = z.int().min(0);
  const shutdownTimeoutMs =
    resolveIntegerSetting("shutdownTimeoutMs", options.shutdownTimeoutMs, env, setting) ??
    DEFAULT_RUN_OPTIONS.shutdownTimeoutMs;
  const signalGraceMs =
    resolveIntegerSetting("signalGraceMs", options.signalGraceMs, env, setting) ?? DEFAULT_RUN_OPTIONS.signalGraceMs;
  const logger = options.logger ?? getDefaultLogger();
  const driver = options.driver ?? defaultDriver(env, logger);
  running = true;

  const bus = options.bus ?? new EventBus({ logger });
  bus.addEventListener(new EventListener({ driver }));
  let finishPublished = false;
  bus.addEventListener(
    new EventListener({
      eventTypes: ["FinishStructureRunEvent"],
      onEvent: () => {
        finishPublished = true;
      },
    }),
  );
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
      output = toArtifact(new Error(`the structure's output could not be sent: ${messageOf(error)}`));
      outcome.exitCode = outcome.exitCode === 0 ? 1 : outcome.exitCode;
      bus.publishEvent({ type: "FinishStructureRunEvent", output_task_output: output });
    }
  };

  return new Promise<RunStructureResult>((resolve) => {
    const end = async (outcome: Outcome): Promise<void> => {
      if (phase !== "running") return;
      phase = "finishing";
      clearTimeout(graceTimer);
      // Ref'd on purpose, and bounded: delivery must not be cut short because every other handle is gone
      // (retry waits are unref'd).
      const keepAlive = setTimeout(() => {}, shutdownTimeoutMs + 1_000);
      if (outcome.error !== undefined && outcome.end !== "SIGTERM" && outcome.end !== "SIGINT") {
        writeStderr(describeError(outcome.error));
      }
      let report = emptyReport();
      try {
        publishFinish(outcome);
        report = await bus.shutdown({ timeoutMs: shutdownTimeoutMs });
      } catch (error) {
        // Only a broken driver contract gets here; the process must still end, with the run's exit code.
        logger.error({ err: error }, "could not deliver the end of the run");
      }
      clearTimeout(keepAlive);
      phase = "done";
      hooks?.remove();
      running = false;
      if (report.pending > 0 || report.failed > 0) {
        logger.error({ report }, "not every event of the run was delivered before the deadline");
      }
      resolve({ exitCode: outcome.exitCode, end: outcome.end, output, report });
      if (options.exit !== false) process.exit(outcome.exitCode);
    };
    const finishWith = (endKind: RunEnd, extra: Partial<Outcome> = {}): void => {
      void end({ end: endKind, exitCode: EXIT_CODES[endKind], ...extra });
    };

    hooks = installProcessHooks({
      onSignal: (signal) => {
        if (phase !== "running") return;
        if (signalled !== undefined) {
          // A second signal: the user is impatient, skip the rest of the grace period.
          finishWith(signalled, { error: new Error(`terminated by ${signalled}`) });
          return;
        }
        signalled = signal;
        controller.abort(new StructureRunEventsError("ERR_ABORTED", `the run received ${signal}`));
        graceTimer = setTimeout(
          () => finishWith(signal, { error: new Error(`terminated by ${signal}`) }),
          signalGraceMs,
        );
      },
      onUncaughtException: (error) => finishWith("uncaught_exception", { error }),
      onUnhandledRejection: (reason) => finishWith("unhandled_rejection", { error: reason }),
      onBeforeExit: () => {
        if (phase === "running") {
          finishWith("stalled", {
            error: new Error(
              "the event loop emptied while the entry had not settled: it awaits a promise that never resolves",
            ),
          });
        }
      },
      onExit: (code) => {
        if (phase === "done") return;
        // process.exit() from user code: the loop will not turn again, so deliver synchronously.
        publishFinish({
          end: "threw",
          exitCode: code,
          error: new Error(`the process exited with code ${code} before the structure finished`),
        });
        bus.flushSync({ timeoutMs: shutdownTimeoutMs });
        phase = "done";
        hooks?.remove();
        running = false;
      },
    });

    try {
      bus.publishEvent({ type: "StartStructureRunEvent", input_task_input: toArtifact(args) });
    } catch (error) {
      logger.error({ err: error }, "could not publish StartStructureRunEvent");
    }
    const context: StructureContext = {
      args,
      publishEvent: bus.publishEvent.bind(bus) as EventBus["publishEvent"],
      bus,
      signal: controller.signal,
    };
    Promise.resolve()
      .then(() => entry(context))
      .then(
        (value) => {
          if (signalled !== undefined) finishWith(signalled, { error: new Error(`terminated by ${signalled}`) });
          else finishWith("returned", { value });
        },
        (error: unknown) => {
          if (signalled !== undefined) finishWith(signalled, { error: new Error(`terminated by ${signalled}`) });
          else finishWith("threw", { error });
        },
      );
  });
}

function defaultDriver(env: Readonly<Record<string, string | undefined>>, logger: Logger): EventListenerDriver {
  if (env.GT_CLOUD_STRUCTURE_RUN_ID !== undefined && env.GT_CLOUD_STRUCTURE_RUN_ID !== "") {
    return new GriptapeCloudEventListenerDriver({ env, logger });
  }
  return new PrettyPrintEventListenerDriver();
}

function outputArtifact(outcome: Outcome): Artifact {
  if (outcome.end !== "returned") return toArtifact(asError(outcome.error));
  try {
    return toArtifact(outcome.value);
  } catch (error) {
    outcome.exitCode = 1;
    return toArtifact(new Error(`the structure's output could not be sent: ${messageOf(error)}`));
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(messageOf(value));
}

function messageOf(value: unknown): string {
  if (value instanceof Error) return value.message;
  try {
    return typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

function describeError(error: unknown): string {
  return `${error instanceof Error ? (error.stack ?? error.message) : `Error: ${messageOf(error)}`}\n`;
}

function writeStderr(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // stderr closed: nothing to tell.
  }
}
