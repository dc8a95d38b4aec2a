import type { Env } from "../config.js";

/**
 * Whether the CLI runs under this package's own `npm start` or `npm run cli` (in a clone), as npm's environment
 * says. There npm is the CLI's parent (it passes signals on: see npm-signal-echo.ts), and `npx structure-run-events`
 * would not find the CLI, so advice must say `npm run cli --` instead.
 */
export function underOwnNpmScript(env: Env = process.env): boolean {
  return (
    env.npm_package_name === "structure-run-events" &&
    (env.npm_lifecycle_event === "start" || env.npm_lifecycle_event === "cli")
  );
}
