import { getRunsPage, SessionEndedError } from "./api.js";
import { h, replace, setText } from "./dom.js";
import { artifactPreview, between, dateTime, duration } from "./format.js";
import { sessionEnded } from "./run-view.js";
import { statusBadge } from "./status-badge.js";
import { isTerminalStatus } from "./terminal-event.js";
import type { RunResource } from "./wire.js";

const POLL_MS = 1000;
const POLL_MAX_MS = 10_000;

interface RowDom {
  readonly row: HTMLTableRowElement;
  readonly status: HTMLElement;
  readonly duration: HTMLElement;
  readonly output: HTMLElement;
  run: RunResource;
}

/**
 * Every run of the emulator, newest first: status, structure, start, duration, output preview. Kept current by
 * polling the runs route once a second (a 304 when nothing changed); rows are updated in place, so the keyboard
 * focus stays on the link it was on.
 */
export class RunsList {
  readonly #root: HTMLElement;
  readonly #abort = new AbortController();
  readonly #rows = new Map<string, RowDom>();
  readonly #tbody = h("tbody", {});
  readonly #caption = h("caption", {}, "Runs");
  readonly #empty = h(
    "p",
    { class: "muted empty" },
    "No runs yet. Start one with ",
    h("code", {}, "structure-run-events run --web -- <command>"),
    ", or create one with ",
    h("code", {}, "POST /api/structures/{id}/runs"),
    " when ",
    h("code", {}, "serve"),
    " was given a command.",
  );
  readonly #problem = h("p", { class: "notice", role: "status", hidden: true });
  #etag: string | undefined;
  #timer: number | undefined;
  #delay = POLL_MS;

  /** `focus`: move the keyboard focus to the heading (after a navigation inside the page, not on first load). */
  constructor(root: HTMLElement, focus = false) {
    this.#root = root;
    document.title = "Structure runs";
    replace(
      root,
      h(
        "section",
        { class: "runs" },
        h("h1", { tabindex: -1 }, "Runs"),
        this.#problem,
        this.#empty,
        h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "runs-table", "data-testid": "runs" },
            this.#caption,
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ...["Status", "Run", "Structure", "Started", "Duration", "Output"].map((c) =>
                  h("th", { scope: "col" }, c),
                ),
              ),
            ),
            this.#tbody,
          ),
        ),
      ),
    );
    if (focus) root.querySelector<HTMLElement>("h1")?.focus({ preventScroll: true });
    void this.#poll();
  }

  destroy(): void {
    this.#abort.abort();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  async #poll(): Promise<void> {
    try {
      const answer = await getRunsPage(this.#etag, this.#abort.signal);
      if (answer !== undefined) {
        this.#etag = answer.etag;
        this.#show(answer.page.runs, answer.page.totalCount);
      }
      this.#problem.hidden = true;
      this.#delay = POLL_MS;
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      if (err instanceof SessionEndedError) {
        replace(this.#root, sessionEnded());
        return;
      }
      this.#problem.hidden = false;
      setText(this.#problem, "The emulator does not answer; trying again…");
      this.#delay = Math.min(this.#delay * 2, POLL_MAX_MS);
    }
    for (const dom of this.#rows.values()) this.#tick(dom);
    if (!this.#abort.signal.aborted) this.#timer = window.setTimeout(() => void this.#poll(), this.#delay);
  }

  #show(runs: RunResource[], total: number): void {
    this.#empty.hidden = runs.length > 0;
    setText(
      this.#caption,
      total > runs.length ? `${runs.length} most recent of ${total} runs` : `${total} run${total === 1 ? "" : "s"}`,
    );
    // Newest first: each row goes before the one after it, so new runs appear on top and existing rows stay put.
    let next: ChildNode | null = this.#tbody.firstChild;
    for (const run of runs) {
      let dom = this.#rows.get(run.structure_run_id);
      if (dom === undefined) {
        dom = this.#row(run);
        this.#rows.set(run.structure_run_id, dom);
      }
      dom.run = run;
      if (dom.row !== next) this.#tbody.insertBefore(dom.row, next);
      next = dom.row.nextSibling;
      const badge = dom.status.firstElementChild;
      if (badge?.textContent !== run.status) replace(dom.status, statusBadge(run.status));
      setText(dom.output, artifactPreview(run.output, 100));
      dom.output.classList.toggle("error-text", run.output?.type === "ErrorArtifact");
      this.#tick(dom);
    }
  }

  #row(run: RunResource): RowDom {
    const id = run.structure_run_id;
    const status = h("td", {});
    const durationCell = h("td", { class: "num" });
    const output = h("td", { class: "preview" });
    const row = h(
      "tr",
      { "data-run": id },
      status,
      h(
        "td",
        {},
        h("a", { href: `#/runs/${encodeURIComponent(id)}`, "aria-label": `Run ${id}` }, h("code", {}, id.slice(0, 8))),
      ),
      h("td", {}, run.structure_id ?? h("span", { class: "muted" }, "—")),
      h("td", {}, dateTime(run.created_at)),
      durationCell,
      output,
    );
    return { row, status, duration: durationCell, output, run };
  }

  /** Durations of runs still going grow every second without a new answer from the emulator. */
  #tick(dom: RowDom): void {
    const run = dom.run;
    const ms = between(run.created_at, isTerminalStatus(run.status) ? run.completed_at : null);
    setText(dom.duration, ms === undefined ? "—" : duration(ms));
  }
}
