// The only way the page builds DOM: elements by name, attributes with setAttribute, text as Text nodes. Event
// data is hostile input (a structure's output may hold markup), so nothing here ever parses a string as HTML.

export type Child = Node | string | null | undefined | false;
export type Attrs = Readonly<Record<string, string | number | boolean | undefined>>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    // Handlers go through addEventListener; an attribute handler would be inline script (and CSP refuses it).
    if (/^on/i.test(name)) throw new Error(`refusing attribute ${name}`);
    el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, ...children);
  return el;
}

/** Appends nodes and strings (as text) to `parent`, skipping empty children. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild !== null) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

/** Sets an element's text, touching the DOM only when it changes (renders run every frame while events stream). */
export function setText(el: Node, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}
