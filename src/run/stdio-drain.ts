import { boundDelay } from "../delays.js";

/**
 * How often the wait looks at the streams again. 'drain' alone is not enough: a stream emits it only after a write
 * returned false (past its high-water mark), so a smaller queue empties without any event.
 */
const POLL_MS = 10;
const SETTLE_EVENTS = ["drain", "close", "error", "finish"] as const;

/** What was still queued on stdout and stderr when the wait ended; both 0 when everything was written. */
export interface StdioLeft {
  stdout: number;
  stderr: number;
}

/**
 * Waits until `process.stdout` and `process.stderr` have handed every queued byte to the OS, for at most
 * `timeoutMs`. On Linux a write to a full pipe (a slow reader: `node s.js | less`) is queued inside the process and
 * written as the reader reads; `process.exit()` drops that queue, so a structure's last lines were lost (measured:
 * 600 of 20,000 lines reached `| (sleep 1; wc -l)`). Files and terminals are written synchronously: nothing to wait
 * for. The bound is the one timer left ref'd: it keeps the loop alive for the wait (the run's own handles are gone
 * by now) and ends it for a reader that never reads. Never rejects.
 */
export function drainStdio(timeoutMs: number): Promise<StdioLeft> {
  const streams = [process.stdout, process.stderr];
  if (streams.every(isDrained) || boundDelay(timeoutMs) === 0) return Promise.resolve(leftOn(streams));
  return new Promise((resolve) => {
    const check = (): void => {
      if (streams.every(isDrained)) done();
    };
    const bound = setTimeout(() => done(), boundDelay(timeoutMs));
    const poll = setInterval(check, POLL_MS);
    poll.unref();
    for (const stream of streams) for (const event of SETTLE_EVENTS) safely(() => stream.on(event, check));
    function done(): void {
      clearTimeout(bound);
      clearInterval(poll);
      for (const stream of streams) for (const event of SETTLE_EVENTS) safely(() => stream.off(event, check));
      resolve(leftOn(streams));
    }
  });
}

/** What stdout and stderr hold queued now: after `process.exit()` nothing can wait, so this is what is lost. */
export function stdioLeft(): StdioLeft {
  return leftOn([process.stdout, process.stderr]);
}

function isDrained(stream: NodeJS.WriteStream): boolean {
  return queued(stream) === 0;
}

/** Bytes written to the stream and not yet taken by the OS; 0 for a stream closed, failed, or unreadable. */
function queued(stream: NodeJS.WriteStream): number {
  try {
    if (stream.destroyed) return 0;
    const length = stream.writableLength;
    return typeof length === "number" && Number.isFinite(length) ? length : 0;
  } catch {
    return 0;
  }
}

function leftOn([stdout, stderr]: NodeJS.WriteStream[]): StdioLeft {
  return { stdout: stdout === undefined ? 0 : queued(stdout), stderr: stderr === undefined ? 0 : queued(stderr) };
}

function safely(step: () => unknown): void {
  try {
    step();
  } catch {
    // A stream replaced by user code with something that is not an emitter: the bound still ends the wait.
  }
}
