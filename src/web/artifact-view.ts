import { h } from "./dom.js";
import { base64Size, bytes, clip, json } from "./format.js";
import { isRecord, str } from "./wire.js";

/** Nested lists deeper than this are shown as JSON: a hostile output must not exhaust the stack or the layout. */
const MAX_DEPTH = 8;
/** Pretty JSON larger than this is shown without colours (one text node instead of many spans). */
const MAX_HIGHLIGHT_CHARS = 50_000;

const LABELS: Readonly<Record<string, string>> = {
  TextArtifact: "Text",
  JsonArtifact: "JSON",
  ListArtifact: "List",
  BlobArtifact: "Blob",
  ErrorArtifact: "Error",
  BooleanArtifact: "Boolean",
};

/**
 * An artifact (see docs/wire-format.md) rendered by its type; anything else as pretty JSON. `caption` goes before
 * the type in the figure's caption (e.g. "Result").
 */
export function renderArtifact(artifact: unknown, caption?: string, depth = 0): HTMLElement {
  const type = isRecord(artifact) ? str(artifact.type) : undefined;
  const label = type === undefined ? "Value" : (LABELS[type] ?? clip(type, 80));
  const figure = h("figure", { class: "artifact", "data-artifact": type ?? "none" });
  figure.append(h("figcaption", { class: "artifact-type" }, caption === undefined ? label : `${caption} · ${label}`));
  if (!isRecord(artifact) || type === undefined || depth > MAX_DEPTH) {
    figure.append(jsonBlock(artifact));
    return figure;
  }
  const { value } = artifact;
  switch (type) {
    case "TextArtifact":
      figure.append(h("pre", { class: "text" }, typeof value === "string" ? value : json(value, 2)));
      break;
    case "JsonArtifact":
      figure.append(jsonBlock(value));
      break;
    case "BooleanArtifact":
      figure.append(h("p", { class: `bool bool-${value === true}` }, String(value)));
      break;
    case "ErrorArtifact":
      figure.classList.add("artifact-error");
      figure.setAttribute("role", "group");
      figure.setAttribute("aria-label", "Error");
      figure.append(h("pre", { class: "text" }, typeof value === "string" ? value : json(value, 2)));
      break;
    case "BlobArtifact":
      figure.append(blob(artifact, value));
      break;
    case "ListArtifact":
      figure.append(list(value, depth));
      break;
    default:
      figure.append(jsonBlock(value));
  }
  return figure;
}

function list(value: unknown, depth: number): HTMLElement {
  if (!Array.isArray(value)) return jsonBlock(value);
  if (value.length === 0) return h("p", { class: "muted" }, "(empty list)");
  const ol = h("ol", { class: "artifact-list" });
  for (const item of value) {
    const name = isRecord(item) ? str(item.name) : undefined;
    // Python names items by a random hex id unless it means something (a tool result is "<tag> output").
    const meaningful = name !== undefined && !/^[0-9a-f]{32}$/.test(name);
    ol.append(
      h(
        "li",
        {},
        meaningful ? h("div", { class: "item-name" }, clip(name, 200)) : null,
        renderArtifact(item, undefined, depth + 1),
      ),
    );
  }
  return ol;
}

function blob(artifact: Record<string, unknown>, value: unknown): HTMLElement {
  if (typeof value !== "string") return jsonBlock(value);
  const name = str(artifact.name) ?? "blob";
  const meta = isRecord(artifact.meta) ? artifact.meta : {};
  const mime = str(meta.mime_type) ?? str(meta.media_type) ?? "application/octet-stream";
  const button = h("button", { type: "button", class: "download" }, "Download");
  const status = h("span", { class: "muted", role: "status" });
  button.addEventListener("click", () => {
    // Decoded on demand: a large blob costs nothing until someone asks for it.
    let data: Uint8Array<ArrayBuffer>;
    try {
      const binary = atob(value.replace(/\s+/g, ""));
      data = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) data[i] = binary.charCodeAt(i);
    } catch {
      status.textContent = "This blob is not valid base64.";
      return;
    }
    const url = URL.createObjectURL(
      new Blob([data], { type: /^[\w.+-]+\/[\w.+-]+$/.test(mime) ? mime : "application/octet-stream" }),
    );
    const a = h("a", { href: url, download: fileName(name) });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  });
  return h(
    "div",
    { class: "blob" },
    h("span", { class: "blob-size" }, bytes(base64Size(value))),
    h("span", { class: "blob-name" }, clip(name, 120)),
    h("span", { class: "muted" }, mime),
    button,
    status,
  );
}

/** A name safe for a download: letters, digits, dot, dash and underscore. */
function fileName(name: string): string {
  const safe = name
    .replace(/[^\w.-]+/g, "_")
    .replace(/^\.+/, "")
    .slice(0, 100);
  return safe === "" ? "blob.bin" : safe;
}

/** Pretty JSON, coloured by token when small enough; with `compact`, on one line when it is short. */
export function jsonBlock(value: unknown, compact = false): HTMLElement {
  let text = json(value, 2);
  // JSON escapes newlines inside strings, so every newline here is layout and may become a space.
  if (compact && text.length <= 160) {
    const line = json(value, 1).replace(/\n\s*/g, " ");
    if (line.length <= 100) text = line;
  }
  const pre = h("pre", { class: "json" });
  if (text.length > MAX_HIGHLIGHT_CHARS) {
    pre.textContent = text;
    return pre;
  }
  const token = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  let last = 0;
  for (let m = token.exec(text); m !== null; m = token.exec(text)) {
    if (m.index > last) pre.append(text.slice(last, m.index));
    const cls = m[1] !== undefined ? (m[2] !== undefined ? "j-key" : "j-str") : m[3] !== undefined ? "j-lit" : "j-num";
    pre.append(h("span", { class: cls }, m[1] ?? m[0]));
    if (m[2] !== undefined) pre.append(m[2]);
    last = token.lastIndex;
  }
  if (last < text.length) pre.append(text.slice(last));
  return pre;
}
