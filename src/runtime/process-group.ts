/**
 * The process group of a structure started with `detached: true` (its own group, led by the direct child).
 * Signals go to the whole group, as a terminal's Ctrl-C does: wrappers such as `npx` or `sh -c` do not pass a
 * signal on to the structure they start, and a kill aimed at the wrapper alone orphans the structure.
 *
 * Groups still alive when this process exits (the CLI crashing or calling process.exit) are SIGKILLed from an
 * `exit` handler, so a structure never outlives the runtime that started it.
 */
export class ProcessGroup {
  readonly pgid: number;
  #released = false;

  constructor(pgid: number) {
    this.pgid = pgid;
    liveGroups.add(this);
    if (liveGroups.size === 1) process.on("exit", killLiveGroups);
  }

  /** Sends `signal` to every process of the group. False when the group is gone (or was released). */
  signal(signal: NodeJS.Signals): boolean {
    if (this.#released) return false;
    try {
      process.kill(-this.pgid, signal);
      return true;
    } catch {
      // ESRCH: nothing left in the group. EPERM cannot happen for our own children.
      return false;
    }
  }

  /** SIGKILLs what is left of the group, then forgets it. Idempotent. */
  killAndRelease(): void {
    this.signal("SIGKILL");
    this.#released = true;
    liveGroups.delete(this);
    if (liveGroups.size === 0) process.off("exit", killLiveGroups);
  }
}

const liveGroups = new Set<ProcessGroup>();

function killLiveGroups(): void {
  for (const group of [...liveGroups]) group.killAndRelease();
}
