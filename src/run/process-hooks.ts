export interface ProcessHookHandlers {
  onSignal: (signal: "SIGTERM" | "SIGINT") => void;
  onUncaughtException: (error: unknown) => void;
  onUnhandledRejection: (reason: unknown) => void;
  onBeforeExit: () => void;
  onExit: (code: number) => void;
}

export interface ProcessHooks {
  /** Removes exactly the listeners installed; the user's own stay. Idempotent. */
  remove(): void;
}

/**
 * Installs runStructure's process listeners. They are added beside any the user installed (never replacing
 * them), and removed when the run ends, so an embedding program gets its process back as it was.
 */
export function installProcessHooks(handlers: ProcessHookHandlers): ProcessHooks {
  // One list for installing and removing, so the two can never disagree. Each handler is guarded: one that
  // threw inside 'uncaughtException' would crash the process with no Finish event, inside 'exit' it would
  // replace the exit code. The handlers keep their own fallbacks; this is the last line.
  const listeners: [string, (arg: unknown) => void][] = [
    ["SIGTERM", guard(() => handlers.onSignal("SIGTERM"))],
    ["SIGINT", guard(() => handlers.onSignal("SIGINT"))],
    ["uncaughtException", guard((error) => handlers.onUncaughtException(error))],
    ["unhandledRejection", guard((reason) => handlers.onUnhandledRejection(reason))],
    ["beforeExit", guard(() => handlers.onBeforeExit())],
    ["exit", guard((code) => handlers.onExit(typeof code === "number" ? code : 0))],
  ];
  for (const [event, listener] of listeners) process.on(event, listener);
  let removed = false;
  return {
    remove() {
      if (removed) return;
      removed = true;
      for (const [event, listener] of listeners) process.off(event, listener);
    },
  };
}

function guard(handler: (arg: unknown) => void): (arg: unknown) => void {
  return (arg) => {
    try {
      handler(arg);
    } catch {
      // Nowhere to report from inside a process hook; the run's own deadline still ends it.
    }
  };
}
