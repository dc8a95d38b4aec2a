import { underOwnNpmScript } from "./own-npm-script.js";

/**
 * How long after a signal the same signal from npm counts as its echo. npm passes it on from an idle event loop,
 * within milliseconds; a person's second Ctrl-C comes later than this.
 */
export const NPM_ECHO_WINDOW_MS = 500;

/**
 * Under this package's own `npm start` and `npm run cli` (scripts that exec the CLI, so npm is its parent), each
 * Ctrl-C reaches the CLI twice: from the terminal, as it reaches every process of the foreground group, and again
 * from npm, which passes SIGINT and SIGTERM on to its script. Counted twice, one Ctrl-C would skip runStructure's
 * grace period (a second signal does). Under those scripts the wrapper drops a signal that repeats the one just
 * handled within `NPM_ECHO_WINDOW_MS`, once; anywhere else it is `handler` itself.
 */
export function dropNpmEchoes<S extends string>(
  handler: (signal: S) => void,
  env: NodeJS.ProcessEnv = process.env,
): (signal: S) => void {
  if (!underOwnNpmScript(env)) return handler;
  let last: { signal: S; at: number } | undefined;
  return (signal) => {
    const now = performance.now();
    if (last !== undefined && last.signal === signal && now - last.at < NPM_ECHO_WINDOW_MS) {
      last = undefined;
      return;
    }
    last = { signal, at: now };
    handler(signal);
  };
}
