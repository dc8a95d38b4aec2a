import { isRecord } from "./wire.js";

const BASE_KEYS = new Set(["type", "id", "timestamp", "meta"]);

/** `HH:MM:SS.mmm` local time of an ISO date or epoch seconds; "" when unknown. */
export function clockTime(value: string | number | undefined): string {
  if (value === undefined) return "";
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Local date and time of an ISO date, to the second. */
export function dateTime(value: string | undefined): string {
  if (value === undefined) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** Milliseconds as `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/** Milliseconds between two ISO dates; the end defaults to now (a run still going). */
export function between(start: string | undefined, end: string | null | undefined): number | undefined {
  if (start === undefined) return undefined;
  const from = Date.parse(start);
  const to = end === null || end === undefined ? Date.now() : Date.parse(end);
  return Number.isNaN(from) || Number.isNaN(to) ? undefined : Math.max(0, to - from);
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Decoded size of base64 text, without decoding it. */
export function base64Size(text: string): number {
  const clean = text.replace(/\s+/g, "");
  const padding = clean.endsWith("==") ? 2 : clean.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor((clean.length * 3) / 4) - padding);
}

/** At most `max` characters of `text`, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** JSON text of any value; a value JSON cannot show (too deep, a cycle) becomes a note, never an exception. */
export function json(value: unknown, indent?: number): string {
  try {
    return JSON.stringify(value, null, indent) ?? String(value);
  } catch {
    return "(cannot show this value as JSON: it is nested too deeply)";
  }
}

/** An artifact's value in a few words, for the runs list and the events table. */
export function artifactPreview(artifact: unknown, max = 120): string {
  if (!isRecord(artifact)) return artifact === null || artifact === undefined ? "" : clip(json(artifact), max);
  const { type, value } = artifact;
  switch (type) {
    case "TextArtifact":
      return clip(typeof value === "string" ? value : json(value), max);
    case "ErrorArtifact":
      return clip(`Error: ${typeof value === "string" ? value : json(value)}`, max);
    case "BlobArtifact":
      return typeof value === "string" ? `blob, ${bytes(base64Size(value))}` : "blob";
    case "ListArtifact":
      return Array.isArray(value)
        ? clip(
            `${value.length} item${value.length === 1 ? "" : "s"}: ${value.map((v) => artifactPreview(v, max)).join(", ")}`,
            max,
          )
        : "list";
    default:
      return clip(json(value), max);
  }
}

/** One line of an event payload's own fields (`key=value …`), artifacts shown by their value. */
export function summary(payload: Record<string, unknown>, max = 200): string {
  const parts: string[] = [];
  let length = 0;
  for (const [key, value] of Object.entries(payload)) {
    if (BASE_KEYS.has(key) || value === null) continue;
    const shown = isRecord(value) && "type" in value && "value" in value ? artifactPreview(value, 60) : json(value);
    const part = `${key}=${clip(shown, 80)}`;
    parts.push(part);
    length += part.length + 1;
    if (length > max) break;
  }
  return clip(parts.join(" "), max);
}
