import type { EventDetail } from "../events/wire-schemas.js";

/**
 * The exit code of `tail`, mirroring the end of the run it followed as `run` mirrors its structure's exit (see
 * docs/local-runtime.md): SUCCEEDED 0; FAILED the exit code the run reports, else 1; CANCELLED the exit code the run
 * reports, else 130 (a Ctrl-C's); ERROR, or no terminal event seen, 1. A reported code is used only in 1-255:
 * `process.exit(256)` is 0, and a failed run must never look like a success.
 */
export function runExitCode(terminal: EventDetail | undefined): number {
  if (terminal === undefined || terminal.origin !== "SYSTEM") return 1;
  const payload = terminal.payload as { status?: unknown; status_detail?: { exit_code?: unknown } };
  const reported = payload.status_detail?.exit_code;
  const code = Number.isInteger(reported) && (reported as number) >= 1 && (reported as number) <= 255;
  switch (payload.status) {
    case "SUCCEEDED":
      return 0;
    case "FAILED":
      return code ? (reported as number) : 1;
    case "CANCELLED":
      return code ? (reported as number) : 130;
    default:
      return 1;
  }
}
