import { type ChildProcess, spawn } from "node:child_process";

/** How a spawned child ended, with everything it printed. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Spawned {
  child: ChildProcess;
  done: Promise<Finished>;
}

/** This process's environment without any GT_* variable, so the machine's settings never leak into a test. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith("GT_")) delete env[key];
  return env;
}

/**
 * Children started by the tests, killed by `killChildren()` (call it in afterEach) so a failed test never leaves
 * a process behind.
 */
const children: ChildProcess[] = [];

/** Runs a TypeScript file with node (through tsx), collecting its output. */
export function spawnTs(file: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): Spawned {
  const child = spawn(process.execPath, ["--import", "tsx", file, ...args], {
    env: options.env,
    stdio: "pipe",
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<Finished>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Resolves once the child has printed `text` on stdout. */
export function waitForStdout(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) resolve();
    });
  });
}

export function killChildren(): void {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}
