import { ENV } from "../config.js";

/**
 * The environment `run` starts the structure with. Its stderr is a pipe to the CLI, so its logger would pick JSON
 * lines; when the CLI's own stderr is a terminal, a person reads them there, in the live view: ask for text
 * (`GT_EVENTS_LOG_FORMAT=text`, src/logger.ts) unless the user set the variable, whose choice wins.
 */
export function structureEnv(env: NodeJS.ProcessEnv, stderrIsTty: boolean): NodeJS.ProcessEnv {
  const set = (env[ENV.logFormat] ?? "").trim() !== "";
  return stderrIsTty && !set ? { ...env, [ENV.logFormat]: "text" } : env;
}
