import { jsonBlock } from "./artifact-view.js";
import { h, replace, setText } from "./dom.js";
import { clockTime, summary } from "./format.js";
import type { RunModel } from "./run-model.js";
import type { EventDetail } from "./wire.js";

/** Row height in CSS pixels; style.css gives `.ev-row` exactly this height. */
const ROW_HEIGHT = 28;
/** The list's greatest height in CSS pixels (it is shorter when its rows need less). */
const MAX_HEIGHT = 420;
/** Rows drawn above and below the visible ones, so a scroll shows rows at once. */
const OVERSCAN = 8;

/**
 * The raw events, filterable by type: a virtualised list (only the rows in view are in the DOM), so a run of
 * 10,000 events or more scrolls and updates as fast as a short one.
 *
 * It is a listbox (ARIA): Tab reaches it, the arrow keys, Page Up/Down, Home and End move the active row, and
 * the active event's full JSON shows below. While the list is scrolled to its end, it follows new events.
 */
export class EventsTable {
  readonly element: HTMLElement;
  readonly #model: RunModel;
  readonly #select: HTMLSelectElement;
  readonly #count: HTMLElement;
  readonly #viewport: HTMLElement;
  readonly #sizer: HTMLElement;
  readonly #details: HTMLElement;
  readonly #types = new Set<string>();
  #filter = "";
  /** Position of the active row in the filtered list; -1: none. */
  #active = -1;
  #follow = true;
  #drawn = "";
  #frame = 0;

  constructor(model: RunModel) {
    this.#model = model;
    this.#select = h("select", { id: "event-type-filter" }, h("option", { value: "" }, "All types"));
    this.#count = h("span", { class: "muted", "aria-live": "off" });
    this.#sizer = h("div", { class: "ev-sizer" });
    this.#viewport = h(
      "div",
      { class: "ev-viewport", role: "listbox", tabindex: 0, "aria-label": "Events", "data-testid": "events" },
      this.#sizer,
    );
    this.#details = h("div", { class: "ev-details" }, h("p", { class: "muted" }, "Select an event to see its JSON."));
    this.element = h(
      "div",
      { class: "events" },
      h("div", { class: "ev-toolbar" }, h("label", { for: "event-type-filter" }, "Type"), this.#select, this.#count),
      h(
        "div",
        { class: "ev-head", "aria-hidden": "true" },
        h("span", {}, "#"),
        h("span", {}, "Time"),
        h("span", {}, "Origin"),
        h("span", {}, "Type"),
        h("span", {}, "Fields"),
      ),
      this.#viewport,
      this.#details,
    );
    this.#select.addEventListener("change", () => {
      this.#filter = this.#select.value;
      this.#active = -1;
      this.#follow = true;
      this.update();
    });
    this.#viewport.addEventListener("scroll", () => {
      const v = this.#viewport;
      this.#follow = v.scrollTop + v.clientHeight >= v.scrollHeight - ROW_HEIGHT;
      this.#schedule();
    });
    this.#viewport.addEventListener("keydown", (e) => this.#key(e));
    this.#viewport.addEventListener("click", (e) => {
      const row = e.target instanceof Element ? e.target.closest<HTMLElement>(".ev-row") : null;
      if (row?.dataset.pos !== undefined) this.#activate(Number(row.dataset.pos));
    });
  }

  /** Positions (in `model.events`) of the rows the filter shows. */
  #rows(): { length: number; at(i: number): number | undefined } {
    if (this.#filter === "") {
      const n = this.#model.events.length;
      return { length: n, at: (i) => (i >= 0 && i < n ? i : undefined) };
    }
    const list = this.#model.byType.get(this.#filter) ?? [];
    return { length: list.length, at: (i) => list[i] };
  }

  /** New events arrived (or the filter changed): grow the list, follow the end, draw what is in view. */
  update(): void {
    for (const type of [...this.#model.byType.keys()].filter((t) => !this.#types.has(t)).sort()) {
      this.#types.add(type);
      const options = [...this.#select.options].slice(1);
      const before = options.find((o) => o.value > type);
      this.#select.insertBefore(h("option", { value: type }, type), before ?? null);
    }
    const rows = this.#rows();
    const total = this.#model.events.length;
    setText(
      this.#count,
      this.#filter === "" ? `${total} event${total === 1 ? "" : "s"}` : `${rows.length} of ${total} events`,
    );
    this.#sizer.style.height = `${rows.length * ROW_HEIGHT}px`;
    // As tall as its rows, up to a bit more than half the window: a short run leaves no empty box.
    const height = Math.max(ROW_HEIGHT, Math.min(rows.length * ROW_HEIGHT, MAX_HEIGHT, window.innerHeight * 0.55));
    this.#viewport.style.height = `${Math.round(height) + 2}px`;
    if (this.#follow) this.#viewport.scrollTop = rows.length * ROW_HEIGHT;
    this.#draw();
  }

  #schedule(): void {
    if (this.#frame !== 0) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#draw();
    });
  }

  #draw(): void {
    const rows = this.#rows();
    const v = this.#viewport;
    // Clamped to what the rows can scroll to: right after the list shrinks (a filter), scrollTop may still hold
    // the old position until the next layout.
    const view = v.clientHeight;
    const top = Math.min(v.scrollTop, Math.max(0, rows.length * ROW_HEIGHT - view));
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(rows.length, Math.ceil((top + view) / ROW_HEIGHT) + OVERSCAN);
    const key = `${this.#filter}|${first}|${last}|${rows.length}|${this.#active}`;
    if (key === this.#drawn) return;
    this.#drawn = key;
    const fragment = document.createDocumentFragment();
    for (let i = first; i < last; i++) {
      const position = rows.at(i);
      const event = position === undefined ? undefined : this.#model.events[position];
      if (event !== undefined) fragment.append(this.#row(event, i, rows.length));
    }
    replace(this.#sizer, fragment);
    if (this.#active >= first && this.#active < last) v.setAttribute("aria-activedescendant", `ev-row-${this.#active}`);
    else v.removeAttribute("aria-activedescendant");
  }

  #row(event: EventDetail, i: number, count: number): HTMLElement {
    let fields: string;
    try {
      fields = summary(event.payload, 160);
    } catch {
      fields = "(cannot summarise this event)";
    }
    const row = h(
      "div",
      {
        class: `ev-row${i % 2 === 1 ? " alt" : ""}${i === this.#active ? " active" : ""}${event.origin === "SYSTEM" ? " system" : ""}`,
        role: "option",
        id: `ev-row-${i}`,
        "aria-selected": i === this.#active ? "true" : "false",
        "aria-posinset": i + 1,
        "aria-setsize": count,
        "data-pos": i,
      },
      h("span", { class: "ev-n" }, String(i + 1)),
      h("span", { class: "ev-time" }, clockTime(event.created_at ?? event.timestamp)),
      h("span", { class: "ev-origin" }, event.origin),
      h("span", { class: "ev-type" }, event.type),
      h("span", { class: "ev-fields" }, fields),
    );
    row.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
    return row;
  }

  #key(e: KeyboardEvent): void {
    const count = this.#rows().length;
    if (count === 0) return;
    const page = Math.max(1, Math.floor(this.#viewport.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: this.#active + 1,
      ArrowUp: this.#active < 0 ? count - 1 : this.#active - 1,
      PageDown: this.#active + page,
      PageUp: this.#active - page,
      Home: 0,
      End: count - 1,
    };
    const target = moves[e.key];
    if (target === undefined) return;
    e.preventDefault();
    this.#activate(Math.max(0, Math.min(count - 1, target)));
  }

  #activate(i: number): void {
    this.#active = i;
    const v = this.#viewport;
    const top = i * ROW_HEIGHT;
    if (top < v.scrollTop) v.scrollTop = top;
    else if (top + ROW_HEIGHT > v.scrollTop + v.clientHeight) v.scrollTop = top + ROW_HEIGHT - v.clientHeight;
    this.#follow = v.scrollTop + v.clientHeight >= v.scrollHeight - ROW_HEIGHT;
    const position = this.#rows().at(i);
    const event = position === undefined ? undefined : this.#model.events[position];
    if (event !== undefined) {
      replace(
        this.#details,
        h(
          "h3",
          {},
          `#${i + 1} ${event.type}`,
          h("span", { class: "muted" }, ` ${event.origin} · ${clockTime(event.created_at)}`),
        ),
        jsonBlock(event),
      );
    }
    this.#draw();
  }
}
