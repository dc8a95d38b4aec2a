import type { ServerResponse } from "node:http";
import { boundDelay } from "../delays.js";

/**
 * Writes a response body made of `parts` at the reader's pace: the next part is written only while the socket
 * takes writes, else after `drain`. A page of stored events is the stored JSON strings themselves (no copy), so a
 * reader that stops reading holds its socket's buffers and one part, not a copy of the page (10 readers stalled
 * on a page of 40 events of 1 MB each took the emulator from 211 MiB to 1.3 GiB when it was written at once).
 * A reader that takes nothing for `stallTimeoutMs` is dropped, as an event stream's is; it can ask again.
 * Resolves when the body is written or the reader gone; never rejects.
 */
export async function sendPaced(
  res: ServerResponse,
  head: Record<string, string | number>,
  parts: Iterable<string>,
  stallTimeoutMs: number,
): Promise<void> {
  res.writeHead(200, head);
  for (const part of parts) {
    // A long part (a run whose output is megabytes) goes in slices, which V8 makes without copying the string.
    // A slice never ends between the two halves of a surrogate pair: each would be written as U+FFFD.
    for (let at = 0; at < part.length; ) {
      if (res.destroyed) return;
      let end = Math.min(part.length, at + SLICE_CHARS);
      if (end < part.length && isHighSurrogate(part.charCodeAt(end - 1))) end -= 1;
      const slice = at === 0 && end === part.length ? part : part.slice(at, end);
      at = end;
      if (!res.write(slice) && !(await drained(res, stallTimeoutMs))) {
        res.destroy();
        return;
      }
    }
  }
  res.end();
}

/** The most of one part written at once: about a socket's high-water mark. */
const SLICE_CHARS = 64 * 1024;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** True once `res` drains; false when it closes first or takes nothing for `timeoutMs`. */
function drained(res: ServerResponse, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    const timer = setTimeout(() => done(false), boundDelay(timeoutMs));
    timer.unref();
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}
