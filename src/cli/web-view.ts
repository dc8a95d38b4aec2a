import type { EventsApiEmulator } from "../local.js";

/**
 * The CLI's side of the web view (see docs/local-runtime.md): the line that prints its link, and the wait that
 * keeps `run --web` up after the run until Ctrl-C. The link carries a one-time token, like Jupyter's: printed on
 * the terminal only, never logged.
 */
export function webViewLine(emulator: EventsApiEmulator, runId?: string): string {
  const link = emulator.webViewUrl(runId);
  return link === undefined
    ? "Web view: off (it is only served when the emulator is bound to a loopback address)\n"
    : `Web view: ${link}\n  (the link works once: it leaves a session cookie in the browser that opens it)\n`;
}

/** Resolves at the next SIGINT or SIGTERM. */
export function nextInterrupt(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}
