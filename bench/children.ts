import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root: children run from here so `--import tsx` and the package self-reference resolve. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

const live = new Set<ChildProcess>();

/** Kills every child still running, by its own handle. Safe to call more than once. */
export function killChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  live.clear();
}

// Even if the benchmark throws or is interrupted, no child outlives it.
process.once("exit", killChildren);

export interface Child<M> {
  readonly process: ChildProcess;
  /** Messages the child sent over IPC, in order. */
  readonly messages: M[];
  /** Resolves with the first message matching `accept`, or undefined if the child exits or `timeoutMs` passes. */
  waitFor(accept: (message: M) => boolean, timeoutMs: number): Promise<M | undefined>;
  /** Resolves when the child has exited (killing it after `timeoutMs`); stderr's tail for error reports. */
  exited(timeoutMs: number): Promise<{ code: number | null; signal: string | null; stderr: string }>;
}

export interface ForkOptions {
  /** Run TypeScript through tsx (`--import tsx`); otherwise plain `node`. */
  tsx: boolean;
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
  execArgv?: readonly string[];
}

const STDERR_TAIL = 4000;

/** Forks `file` (relative to the repository root) with an IPC channel; stdout is ignored, stderr kept. */
export function forkChild<M>(file: string, options: ForkOptions): Child<M> {
  const child = fork(file, [...(options.args ?? [])], {
    cwd: ROOT,
    // Explicit, never inherited: the parent itself runs under tsx, and a plain-node child must not.
    execArgv: [...(options.tsx ? ["--import", "tsx"] : []), ...(options.execArgv ?? [])],
    env: options.env ?? benchEnv(),
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  live.add(child);
  const messages: M[] = [];
  const listeners = new Set<(message: M) => void>();
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  child.on("message", (message: M) => {
    messages.push(message);
    for (const listener of listeners) listener(message);
  });
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  return {
    process: child,
    messages,
    waitFor(accept, timeoutMs) {
      const seen = messages.find(accept);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const finish = (value: M | undefined): void => {
          clearTimeout(timer);
          listeners.delete(onMessage);
          resolve(value);
        };
        const onMessage = (message: M): void => {
          if (accept(message)) finish(message);
        };
        // Unref'd: the child's IPC channel keeps the parent alive while an answer can still come.
        const timer = setTimeout(() => finish(undefined), timeoutMs).unref();
        listeners.add(onMessage);
        void exit.then(() => setImmediate(() => finish(undefined)));
      });
    },
    async exited(timeoutMs) {
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const { code, signal } = await exit;
      clearTimeout(timer);
      return { code, signal, stderr };
    },
  };
}

/**
 * The environment of benchmark children: the parent's, minus what would change a client's behaviour
 * (OpenTelemetry exporter settings, our tuning variables, PostHog's).
 */
export function benchEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(OTEL_|GT_|POSTHOG_)/.test(key) || key === "NODE_OPTIONS") continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}
