import type { EventsApiEmulator } from "../local.js";
import { openInBrowser } from "./open-browser.js";

/**
 * The CLI's side of the web view (see docs/local-runtime.md): the line that prints its link, and the wait that
 * keeps `run --web` up after the run until Ctrl-C. The link carries a one-time token, like Jupyter's: printed on
 * the terminal only, never logged.
 */
function webViewLine(link: string | undefined): string {
  return link === undefined
    ? "Web view: off (it is only served when the emulator is bound to a loopback address)\n"
    : `Web view: ${link}\n  (the link works once: it leaves a session cookie in the browser that opens it)\n`;
}

/**
 * Prints the web view's link on `out`, and with `open` opens it in a browser too (saying so when none starts).
 * The link is fresh for each call: a one-time token printed once.
 */
export async function offerWebView(
  emulator: EventsApiEmulator,
  out: NodeJS.WritableStream,
  options: { runId?: string; open?: boolean },
): Promise<void> {
  const link = emulator.webViewUrl(options.runId);
  out.write(webViewLine(link));
  if (options.open !== true || link === undefined) return;
  const problem = await openInBrowser(link);
  if (problem !== undefined) out.write(problem);
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
