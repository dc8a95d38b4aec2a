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
  // One list for installing and removing, so the two can never disagree.
  const listeners: [string, (arg: unknown) => void][] = [
    ["SIGTERM", () => handlers.onSignal("SIGTERM")],
    ["SIGINT", () => handlers.onSignal("SIGINT")],
    ["uncaughtException", (error) => handlers.onUncaughtException(error)],
    ["unhandledRejection", (reason) => handlers.onUnhandledRejection(reason)],
    ["beforeExit", () => handlers.onBeforeExit()],
    ["exit", (code) => handlers.onExit(code as number)],
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
