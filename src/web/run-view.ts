import { getRun, NotFoundError, SessionEndedError } from "./api.js";
import { jsonBlock, renderArtifact } from "./artifact-view.js";
import { h, replace, setText } from "./dom.js";
import { EventsTable } from "./events-table.js";
import { between, clip, clockTime, dateTime, duration } from "./format.js";
import { RENDER_MEASURE } from "./render-measure.js";
import { type FollowState, RunFollower } from "./run-follower.js";
import { type Changes, type Prompt, RunModel, type ToolCall } from "./run-model.js";
import { statusBadge } from "./status-badge.js";
import type { EventDetail, RunResource } from "./wire.js";

const FOLLOW_LABELS: Record<FollowState, string> = {
  loading: "loading…",
  live: "live",
  reconnecting: "reconnecting…",
  ended: "complete",
  "not-found": "not found",
  "session-ended": "session ended",
};

interface PromptDom {
  readonly root: HTMLElement;
  readonly meta: HTMLElement;
  readonly text: HTMLElement;
  readonly calls: HTMLElement;
  rendered: number;
  readonly callDoms: Map<ToolCall, CallDom>;
}

interface CallDom {
  readonly root: HTMLElement;
  readonly title: HTMLElement;
  readonly input: HTMLElement;
  readonly result: HTMLElement;
  shownInput: string;
  shownResult: boolean;
}

/**
 * One run: its status timeline, prompts (text as it streams, tool calls as they form, their results), custom
 * events, input and output, and the raw events. Events are queued as they arrive and applied once per animation
 * frame, so a burst of thousands costs one DOM update, and only what changed is touched.
 */
export class RunView {
  readonly #root: HTMLElement;
  readonly #runId: string;
  readonly #model = new RunModel();
  readonly #follower: RunFollower;
  readonly #table: EventsTable;
  readonly #queue: EventDetail[] = [];
  #newestArrival = 0;
  #frame = 0;
  #tick: number | undefined;
  #run: RunResource | undefined;
  #destroyed = false;
  #reloaded = false;
  #unreadable = 0;

  readonly #badge = h("span", { class: "badge-slot", role: "status", "aria-live": "polite" });
  readonly #facts = {
    structure: h("dd", {}),
    args: h("dd", {}),
    started: h("dd", {}),
    duration: h("dd", {}),
    events: h("dd", {}),
    connection: h("dd", { "data-testid": "connection" }),
  };
  readonly #timeline = h("ol", { class: "timeline" });
  readonly #output = h(
    "div",
    { class: "output", "data-testid": "output" },
    h("p", { class: "muted" }, "No output yet."),
  );
  readonly #input = h("div", { class: "input" }, h("p", { class: "muted" }, "No input recorded."));
  readonly #prompts = h("div", { class: "prompts", "data-testid": "prompts" });
  readonly #promptDoms = new Map<Prompt, PromptDom>();
  readonly #custom = h("ol", { class: "custom", "data-testid": "custom-events" });
  readonly #customEmpty = h("p", { class: "muted" }, "None.");
  readonly #notes = h("p", { class: "muted notes" });
  #timelineShown = 0;
  #customShown = 0;

  /** `focus`: move the keyboard focus to the heading (after a navigation inside the page, not on first load). */
  constructor(root: HTMLElement, runId: string, focus = false) {
    this.#root = root;
    this.#runId = runId;
    this.#table = new EventsTable(this.#model);
    this.#follower = new RunFollower(runId, {
      events: (events, arrivedAt) => this.#enqueue(events, arrivedAt),
      state: (state) => this.#state(state),
    });
    this.#layout();
    if (focus) this.#root.querySelector<HTMLElement>("h1")?.focus({ preventScroll: true });
    void this.#loadRun();
    this.#follower.start();
    this.#tick = window.setInterval(() => this.#renderFacts(), 1000);
  }

  destroy(): void {
    this.#destroyed = true;
    this.#follower.stop();
    if (this.#frame !== 0) cancelAnimationFrame(this.#frame);
    if (this.#tick !== undefined) clearInterval(this.#tick);
  }

  #layout(): void {
    const f = this.#facts;
    const fact = (label: string, dd: HTMLElement) => h("div", {}, h("dt", {}, label), dd);
    const section = (id: string, title: string, ...body: Node[]) =>
      h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id }, title), ...body);
    document.title = `Run ${this.#runId.slice(0, 8)} · Structure runs`;
    replace(
      this.#root,
      h(
        "article",
        { class: "run" },
        h("p", { class: "crumbs" }, h("a", { href: "#/" }, "← All runs")),
        h(
          "header",
          { class: "run-head" },
          h("h1", { tabindex: -1 }, "Run ", h("code", { class: "run-id" }, this.#runId)),
          this.#badge,
        ),
        h(
          "dl",
          { class: "facts" },
          fact("Structure", f.structure),
          fact("Started", f.started),
          fact("Duration", f.duration),
          fact("Events", f.events),
          fact("Stream", f.connection),
          fact("Args", f.args),
        ),
        h(
          "div",
          { class: "run-grid" },
          h(
            "div",
            { class: "col-main" },
            section("h-output", "Output", this.#output),
            section("h-prompts", "Prompts and tool calls", this.#prompts),
          ),
          h(
            "div",
            { class: "col-side" },
            section("h-status", "Status", this.#timeline),
            section("h-input", "Input", this.#input),
            section("h-custom", "Custom events", this.#customEmpty, this.#custom),
          ),
        ),
        section("h-events", "Events", this.#table.element, this.#notes),
      ),
    );
    replace(this.#prompts, h("p", { class: "muted" }, "No prompts yet."));
  }

  async #loadRun(): Promise<void> {
    try {
      this.#run = await getRun(this.#runId);
    } catch (err) {
      if (err instanceof NotFoundError) this.#state("not-found");
      else if (err instanceof SessionEndedError) this.#state("session-ended");
      return;
    }
    this.#renderFacts();
    this.#renderOutput();
  }

  #enqueue(events: EventDetail[], arrivedAt: number): void {
    for (const event of events) this.#queue.push(event);
    this.#newestArrival = arrivedAt;
    if (this.#frame === 0 && !this.#destroyed) this.#frame = requestAnimationFrame(() => this.#render());
  }

  #render(): void {
    this.#frame = 0;
    const batch = this.#queue.splice(0);
    const arrivedAt = this.#newestArrival;
    for (const event of batch) {
      try {
        this.#model.apply(event);
      } catch {
        this.#unreadable++;
      }
    }
    try {
      this.#apply(this.#model.takeChanges());
    } catch (err) {
      // One event the page cannot show must not stop it showing the rest.
      this.#unreadable++;
      console.error("the web view could not render an event", err);
    }
    this.#renderNotes();
    // The run's final resource (completed_at, status_detail, an output that came without its event).
    if (this.#model.ended && !this.#reloaded) {
      this.#reloaded = true;
      void this.#loadRun();
    }
    if (batch.length > 0) {
      const detail = { events: this.#model.events.length, ended: this.#model.ended };
      requestAnimationFrame(() => {
        performance.clearMeasures(RENDER_MEASURE);
        performance.measure(RENDER_MEASURE, { start: arrivedAt, end: performance.now(), detail });
      });
    }
  }

  #apply(changes: Changes): void {
    if (changes.statuses) this.#renderTimeline();
    if (changes.output) this.#renderOutput();
    if (changes.input) replace(this.#input, renderArtifact(this.#model.input));
    if (changes.prompts.size > 0) {
      if (this.#promptDoms.size === 0) replace(this.#prompts);
      for (const prompt of changes.prompts) this.#renderPrompt(prompt);
    }
    if (changes.custom) this.#renderCustom();
    if (changes.added > 0) this.#table.update();
    this.#renderFacts();
  }

  #renderNotes(): void {
    const { duplicates } = this.#model;
    const notes = [
      duplicates > 0
        ? `${duplicates} duplicate deliver${duplicates === 1 ? "y" : "ies"} (same event id) not shown.`
        : "",
      this.#unreadable > 0 ? `${this.#unreadable} event(s) could not be shown.` : "",
    ];
    setText(this.#notes, notes.filter((n) => n !== "").join(" "));
  }

  #state(state: FollowState): void {
    setText(this.#facts.connection, FOLLOW_LABELS[state]);
    this.#facts.connection.dataset.state = state;
    if (state === "not-found") {
      replace(
        this.#root,
        h(
          "section",
          { class: "message" },
          h("h1", {}, "No such run"),
          h("p", {}, "This emulator has no run with the id ", h("code", {}, this.#runId), "."),
          h("p", {}, h("a", { href: "#/" }, "See all runs")),
        ),
      );
      this.destroy();
    } else if (state === "session-ended") {
      replace(this.#root, sessionEnded());
      this.destroy();
    }
  }

  #renderFacts(): void {
    const run = this.#run;
    const m = this.#model;
    const status = m.status ?? run?.status ?? "UNKNOWN";
    const badge = this.#badge.firstElementChild;
    if (badge?.textContent !== status) replace(this.#badge, statusBadge(status));
    setText(this.#facts.structure, run?.structure_id ?? "—");
    setText(this.#facts.args, run === undefined || run.args.length === 0 ? "—" : clip(run.args.join(" "), 200));
    const start = m.startedAt ?? run?.created_at;
    setText(this.#facts.started, dateTime(start));
    const end = m.completedAt ?? run?.completed_at ?? null;
    const ms = between(start, end);
    setText(this.#facts.duration, ms === undefined ? "—" : duration(ms));
    setText(this.#facts.events, String(m.events.length));
  }

  #renderTimeline(): void {
    for (const entry of this.#model.statuses.slice(this.#timelineShown)) {
      this.#timeline.append(
        h(
          "li",
          {},
          statusBadge(entry.status),
          h("span", { class: "time" }, clockTime(entry.at)),
          h("span", { class: "type muted" }, entry.type),
          entry.detail === "" ? null : h("div", { class: "detail" }, clip(entry.detail, 500)),
        ),
      );
    }
    this.#timelineShown = this.#model.statuses.length;
  }

  #renderOutput(): void {
    const output = this.#model.hasOutput ? this.#model.output : this.#run?.output;
    if (output === undefined || output === null) return;
    replace(this.#output, renderArtifact(output));
  }

  #renderPrompt(prompt: Prompt): void {
    let dom = this.#promptDoms.get(prompt);
    if (dom === undefined) {
      const meta = h("span", { class: "prompt-meta muted" });
      const text = h("pre", { class: "prompt-text", "data-testid": "prompt-text" });
      const calls = h("ol", { class: "tool-calls" });
      const title = prompt.implicit ? `Text ${prompt.seq} (no StartPromptEvent)` : `Prompt ${prompt.seq}`;
      const root = h("section", { class: "prompt" }, h("h3", {}, title, " ", meta), text, calls);
      dom = { root, meta, text, calls, rendered: 0, callDoms: new Map() };
      this.#promptDoms.set(prompt, dom);
      this.#prompts.append(root);
    }
    if (prompt.chunks.length > dom.rendered) {
      // Appended, not re-set: a prompt of thousands of tokens grows by the new ones only.
      const node = dom.text.firstChild;
      const added = prompt.chunks.slice(dom.rendered).join("");
      if (node instanceof Text) node.appendData(added);
      else dom.text.append(added);
      dom.rendered = prompt.chunks.length;
    } else if (prompt.chunks.length === 0 && prompt.result !== undefined) {
      setText(dom.text, prompt.result);
    }
    dom.text.hidden = dom.text.textContent === "";
    const parts = [
      prompt.model,
      prompt.inputTokens === undefined ? undefined : `${prompt.inputTokens} tokens in`,
      prompt.outputTokens === undefined ? undefined : `${prompt.outputTokens} out`,
      prompt.finished ? undefined : "streaming…",
    ].filter((p): p is string => p !== undefined);
    setText(dom.meta, parts.join(" · "));
    for (const call of prompt.toolCalls) this.#renderCall(dom, call);
  }

  #renderCall(prompt: PromptDom, call: ToolCall): void {
    let dom = prompt.callDoms.get(call);
    if (dom === undefined) {
      const title = h("div", { class: "call-title" });
      const input = h("div", { class: "call-input" });
      const result = h("div", { class: "call-result" });
      const root = h("li", { class: "tool-call", "data-testid": "tool-call" }, title, input, result);
      dom = { root, title, input, result, shownInput: "", shownResult: false };
      prompt.callDoms.set(call, dom);
      prompt.calls.append(root);
    }
    const name = [call.name, call.path].filter((p) => p !== null).join(".") || "(unnamed tool)";
    replace(
      dom.title,
      h("code", { class: "call-name" }, name),
      call.tag === null ? null : h("span", { class: "tag muted" }, ` ${call.tag}`),
    );
    if (call.input !== dom.shownInput) {
      dom.shownInput = call.input;
      replace(dom.input, prettyInput(call.input));
    }
    if (call.hasResult && !dom.shownResult) {
      dom.shownResult = true;
      replace(dom.result, renderArtifact(call.result, "Result"));
    }
  }

  #renderCustom(): void {
    const custom = this.#model.custom;
    this.#customEmpty.hidden = custom.length > 0;
    for (const event of custom.slice(this.#customShown)) {
      this.#custom.append(
        h(
          "li",
          {},
          h(
            "details",
            {},
            h(
              "summary",
              {},
              h("code", {}, clip(event.type, 120)),
              h("span", { class: "time muted" }, ` ${clockTime(event.created_at)}`),
            ),
            jsonBlock(event.payload),
          ),
        ),
      );
    }
    this.#customShown = custom.length;
  }
}

/** A tool call's input: pretty JSON once it parses, the raw text while it is still streaming. */
function prettyInput(input: string): Node {
  if (input === "") return h("span", { class: "muted" }, "(no input yet)");
  try {
    return jsonBlock(JSON.parse(input) as unknown, true);
  } catch {
    return h("pre", { class: "json partial" }, input);
  }
}

export function sessionEnded(): HTMLElement {
  return h(
    "section",
    { class: "message" },
    h("h1", {}, "Your session has ended"),
    h(
      "p",
      {},
      "The emulator does not know this browser's session any more (it was probably restarted). Open the new link it printed.",
    ),
  );
}
