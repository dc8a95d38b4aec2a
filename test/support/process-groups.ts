import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** One process as /proc tells it: pid, state letter, process group, command name. */
export interface ProcessInfo {
  pid: number;
  state: string;
  pgid: number;
  comm: string;
}

/** The process group of `pid` (read from /proc/<pid>/stat), or undefined once it is gone. */
export function processGroupOf(pid: number | "self"): number | undefined {
  return readStat(String(pid))?.pgid;
}

/**
 * Live members of a process group (zombies excluded: a reaped-late zombie runs nothing). Read from /proc, as
 * `kill(-pgid, 0)` also answers for zombies, whose reaping is up to whatever is PID 1 on this machine.
 */
export function liveGroupMembers(pgid: number): ProcessInfo[] {
  const members: ProcessInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const info = readStat(name);
    if (info !== undefined && info.pgid === pgid && info.state !== "Z" && info.state !== "X") members.push(info);
  }
  return members;
}

/** Waits (bounded) until no live process is left in the group; returns those left at the deadline. */
export async function groupGone(pgid: number, timeoutMs = 5_000): Promise<ProcessInfo[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = liveGroupMembers(pgid);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await sleep(50);
  }
}

/** SIGKILLs whatever is left of a group a failed test leaves behind. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

function readStat(pid: string): ProcessInfo | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after its last ")".
  const close = text.lastIndexOf(")");
  const fields = text.slice(close + 2).split(" ");
  return {
    pid: Number(text.slice(0, text.indexOf(" "))),
    comm: text.slice(text.indexOf("(") + 1, close),
    state: fields[0] ?? "?",
    pgid: Number(fields[2]),
  };
}
