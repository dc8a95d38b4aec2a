const BASE_KEYS = new Set(["type", "id", "timestamp", "meta"]);
const MAX_SUMMARY_CHARS = 240;

/**
 * One readable line of an event's own fields (`key=value …`, null fields left out, artifacts shown by their
 * value), for the local views: `output_task_output="Hello"` reads better than the whole artifact.
 */
export function summarizeEvent(event: Record<string, unknown>): string {
  const fields = Object.entries(event).filter(([key, value]) => !BASE_KEYS.has(key) && value !== null);
  const text = fields.map(([key, value]) => `${key}=${JSON.stringify(artifactValue(value))}`).join(" ");
  return text.length > MAX_SUMMARY_CHARS ? `${text.slice(0, MAX_SUMMARY_CHARS - 1)}…` : text;
}

/** An artifact's value (a list artifact's values, recursively); anything else as it is. */
export function artifactValue(value: unknown): unknown {
  if (typeof value === "object" && value !== null && "value" in value && "type" in value) {
    const inner = (value as { value: unknown }).value;
    return Array.isArray(inner) ? inner.map(artifactValue) : inner;
  }
  return value;
}
