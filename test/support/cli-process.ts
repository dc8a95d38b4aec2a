// The CLI as the tests run it: from the source, in a child process, with a clean environment; and what each test
// leaves behind (children, servers, folders) undone after it.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";
import { cleanEnv, killChildren, type Spawned, spawnTs } from "./child-processes.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = join(ROOT, "src/cli/main.ts");
/** The example structures, as commands for `run -- …`. */
export const HELLO = ["node", "--import", "tsx", join(ROOT, "examples/hello-structure.ts")];
export const FAILING = ["node", "--import", "tsx", join(ROOT, "examples/failing-structure.ts")];

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  killChildren();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Runs `cleanup` after the current test, pass or fail. */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

export function cli(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): Spawned {
  return spawnTs(CLI, args, { env, cwd: ROOT });
}
