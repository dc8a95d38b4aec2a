// C0 controls, DEL, C1 controls (U+009B is a terminal's CSI), and the line and paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * `text` with control characters written as `\u00XX` escapes: event types, keys and values shown on a terminal
 * or in an error message come from structure code and must not move the cursor or clear the screen.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, escapeControl);
}

/** `\n` as JSON writes it (a line break is the commonest control in a message); any other as `\u00XX`. */
function escapeControl(c: string): string {
  return c === "\n" ? "\\n" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** A key or string quoted as JSON, with every control character escaped. */
export function quoted(text: string): string {
  return printable(JSON.stringify(text));
}

/** `quoted`, cut to `maxChars` first: for a value from a command line or a peer, which may be any length. */
export function quotedShort(text: string, maxChars = 80): string {
  return quoted(text.length > maxChars ? `${text.slice(0, maxChars)}…` : text);
}

// The same, less line feed and tab: streamed text keeps its lines.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Streamed text (a model's tokens) for a terminal: line feeds and tabs kept, every other control escaped. */
export function printableText(text: string): string {
  return text.replace(CONTROL_BUT_LINES, escapeControl);
}
