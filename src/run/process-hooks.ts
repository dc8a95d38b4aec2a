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
  const onSigterm = (): void => handlers.onSignal("SIGTERM");
  const onSigint = (): void => handlers.onSignal("SIGINT");
  const onUncaught = (error: unknown): void => handlers.onUncaughtException(error);
  const onRejection = (reason: unknown): void => handlers.onUnhandledRejection(reason);
  const onBeforeExit = (): void => handlers.onBeforeExit();
  const onExit = (code: number): void => handlers.onExit(code);
  process.on("SIGTERM", onSigterm);
  process.on("SIGINT", onSigint);
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onRejection);
  process.on("beforeExit", onBeforeExit);
  process.on("exit", onExit);
  let removed = false;
  return {
    remove() {
      if (removed) return;
      removed = true;
      process.off("SIGTERM", onSigterm);
      process.off("SIGINT", onSigint);
      process.off("uncaughtException", onUncaught);
      process.off("unhandledRejection", onRejection);
      process.off("beforeExit", onBeforeExit);
      process.off("exit", onExit);
    },
  };
}
