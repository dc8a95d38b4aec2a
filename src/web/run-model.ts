import { json } from "./format.js";
import { KNOWN_EVENT_TYPES } from "./known-events.js";
import { isTerminalEvent } from "./terminal-event.js";
import { dedupKey, type EventDetail, isRecord, num, str } from "./wire.js";

/** A tool call: announced by its first ActionChunkEvent, its input streamed in `partial_input` deltas. */
export interface ToolCall {
  readonly index: number;
  tag: string | null;
  name: string | null;
  path: string | null;
  /** The input as streamed so far (JSON text once complete), or the subtask's declared input as JSON. */
  input: string;
  /** The result artifact from FinishActionsSubtaskEvent, once known. */
  result: unknown;
  hasResult: boolean;
}

/** One call to a model: its streamed text and tool calls, between StartPromptEvent and FinishPromptEvent. */
export interface Prompt {
  readonly seq: number;
  readonly model: string | undefined;
  /** Made for chunks that came with no StartPromptEvent before them. */
  readonly implicit: boolean;
  /** TextChunkEvent tokens, in arrival order. */
  readonly chunks: string[];
  finished: boolean;
  /** FinishPromptEvent's `result`: the text when the model did not stream. */
  result: string | undefined;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  readonly toolCalls: ToolCall[];
  /** Calls still streaming, by chunk index. */
  readonly open: Map<number, ToolCall>;
}

export interface StatusEntry {
  readonly status: string;
  readonly type: string;
  readonly at: string | undefined;
  readonly detail: string;
}

/** What changed since the last `takeChanges()`: the view touches only that. */
export interface Changes {
  readonly added: number;
  readonly prompts: ReadonlySet<Prompt>;
  readonly statuses: boolean;
  readonly custom: boolean;
  readonly output: boolean;
  readonly input: boolean;
  readonly types: boolean;
}

/**
 * A run's events folded into what the page shows, one event at a time, so a 10,000-event run costs the same per
 * event as a short one. Events are de-duplicated (docs/delivery.md: at-least-once), and anything unexpected in a
 * payload is skipped rather than thrown.
 */
export class RunModel {
  /** Unique events, in stored order. */
  readonly events: EventDetail[] = [];
  /** Event positions in `events`, by type (the raw table's filter). */
  readonly byType = new Map<string, number[]>();
  readonly statuses: StatusEntry[] = [];
  readonly prompts: Prompt[] = [];
  readonly custom: EventDetail[] = [];
  duplicates = 0;
  status: string | undefined;
  startedAt: string | undefined;
  completedAt: string | undefined;
  ended = false;
  input: unknown;
  output: unknown;
  hasOutput = false;

  readonly #seen = new Set<string>();
  readonly #callsByTag = new Map<string, ToolCall>();
  #current: Prompt | undefined;
  #added = 0;
  #dirtyPrompts = new Set<Prompt>();
  #statuses = false;
  #custom = false;
  #output = false;
  #input = false;
  #types = false;

  /** Folds in one event; false when it is a duplicate delivery (already seen). */
  apply(event: EventDetail): boolean {
    const key = dedupKey(event);
    if (this.#seen.has(key)) {
      this.duplicates++;
      return false;
    }
    this.#seen.add(key);
    const position = this.events.push(event) - 1;
    this.#added++;
    let positions = this.byType.get(event.type);
    if (positions === undefined) {
      positions = [];
      this.byType.set(event.type, positions);
      this.#types = true;
    }
    positions.push(position);
    if (event.origin === "SYSTEM") this.#system(event);
    else this.#user(event);
    return true;
  }

  takeChanges(): Changes {
    const changes: Changes = {
      added: this.#added,
      prompts: this.#dirtyPrompts,
      statuses: this.#statuses,
      custom: this.#custom,
      output: this.#output,
      input: this.#input,
      types: this.#types,
    };
    this.#added = 0;
    this.#dirtyPrompts = new Set();
    this.#statuses = this.#custom = this.#output = this.#input = this.#types = false;
    return changes;
  }

  #system(event: EventDetail): void {
    const p = event.payload;
    const status = str(p.status) ?? event.type;
    const detail = isRecord(p.status_detail) ? p.status_detail : {};
    const parts = [
      str(detail.message),
      str(detail.error),
      typeof detail.exit_code === "number" ? `exit code ${detail.exit_code}` : undefined,
    ].filter((s): s is string => s !== undefined && s !== "");
    this.statuses.push({ status, type: event.type, at: event.created_at, detail: parts.join(" · ") });
    this.status = status;
    // The events' own times (microseconds) rather than the payload's started_at / completed_at (seconds).
    if (status === "RUNNING") this.startedAt = event.created_at ?? str(p.started_at);
    if (isTerminalEvent(event)) {
      this.ended = true;
      this.completedAt = event.created_at ?? str(p.completed_at);
      this.startedAt ??= str(p.started_at);
    }
    this.#statuses = true;
  }

  #user(event: EventDetail): void {
    const p = event.payload;
    switch (event.type) {
      case "StartStructureRunEvent":
        this.input = p.input_task_input;
        this.#input = true;
        return;
      case "FinishStructureRunEvent":
        this.output = p.output_task_output;
        this.hasOutput = true;
        this.#output = true;
        return;
      case "StartPromptEvent":
        this.#current = this.#newPrompt(str(p.model), false);
        return;
      case "FinishPromptEvent": {
        const prompt = this.#current ?? this.prompts.at(-1) ?? this.#newPrompt(str(p.model), true);
        prompt.finished = true;
        prompt.result = str(p.result);
        prompt.inputTokens = num(p.input_token_count);
        prompt.outputTokens = num(p.output_token_count);
        prompt.open.clear();
        this.#current = undefined;
        this.#dirtyPrompts.add(prompt);
        return;
      }
      case "TextChunkEvent": {
        const token = str(p.token);
        if (token === undefined || token === "") return;
        const prompt = this.#openPrompt();
        prompt.chunks.push(token);
        this.#dirtyPrompts.add(prompt);
        return;
      }
      case "ActionChunkEvent":
        this.#actionChunk(p);
        return;
      case "StartActionsSubtaskEvent":
      case "FinishActionsSubtaskEvent":
        this.#subtask(p, event.type === "FinishActionsSubtaskEvent");
        return;
      default:
        if (!KNOWN_EVENT_TYPES.has(event.type)) {
          this.custom.push(event);
          this.#custom = true;
        }
    }
  }

  #newPrompt(model: string | undefined, implicit: boolean): Prompt {
    const prompt: Prompt = {
      seq: this.prompts.length + 1,
      model,
      implicit,
      chunks: [],
      finished: false,
      result: undefined,
      inputTokens: undefined,
      outputTokens: undefined,
      toolCalls: [],
      open: new Map(),
    };
    this.prompts.push(prompt);
    this.#dirtyPrompts.add(prompt);
    return prompt;
  }

  /** The prompt chunks belong to: the open one, or one made for chunks that came without a StartPromptEvent. */
  #openPrompt(): Prompt {
    this.#current ??= this.#newPrompt(undefined, true);
    return this.#current;
  }

  /**
   * The first chunk of a call names it (`tag`, `name`, `path`); later chunks of the same `index` carry
   * `partial_input` deltas to append (docs/adapters.md). A first chunk may carry input too.
   */
  #actionChunk(p: Record<string, unknown>): void {
    const prompt = this.#openPrompt();
    const index = num(p.index) ?? 0;
    const tag = str(p.tag) ?? null;
    const name = str(p.name) ?? null;
    const path = str(p.path) ?? null;
    let call = prompt.open.get(index);
    if (call === undefined || tag !== null || name !== null) {
      call = { index, tag, name, path, input: "", result: undefined, hasResult: false };
      prompt.open.set(index, call);
      prompt.toolCalls.push(call);
      if (tag !== null) this.#callsByTag.set(tag, call);
    }
    const delta = str(p.partial_input);
    if (delta !== undefined) call.input += delta;
    this.#dirtyPrompts.add(prompt);
  }

  /**
   * `subtask_actions` are the calls the subtask runs (their input complete); a Finish event's `task_output` is a
   * ListArtifact whose items are named "<tag> output" (docs/wire-format.md). Calls already streamed are matched
   * by tag; others are added to the last prompt.
   */
  #subtask(p: Record<string, unknown>, finished: boolean): void {
    const actions = Array.isArray(p.subtask_actions) ? p.subtask_actions.filter(isRecord) : [];
    const output = p.task_output;
    const items = isRecord(output) && output.type === "ListArtifact" && Array.isArray(output.value) ? output.value : [];
    for (const action of actions) {
      const tag = str(action.tag) ?? null;
      let call = tag === null ? undefined : this.#callsByTag.get(tag);
      const prompt = this.prompts.at(-1) ?? this.#newPrompt(undefined, true);
      if (call === undefined) {
        call = {
          index: prompt.toolCalls.length,
          tag,
          name: str(action.name) ?? null,
          path: str(action.path) ?? null,
          input: action.input === undefined ? "" : json(action.input),
          result: undefined,
          hasResult: false,
        };
        prompt.toolCalls.push(call);
        if (tag !== null) this.#callsByTag.set(tag, call);
      } else if (call.input === "" && action.input !== undefined) {
        call.input = json(action.input);
      }
      if (finished) {
        const named = items.find((item) => isRecord(item) && item.name === `${tag} output`);
        const result = named ?? (actions.length === 1 && items.length === 0 && isRecord(output) ? output : undefined);
        if (result !== undefined) {
          call.result = result;
          call.hasResult = true;
        }
      }
      this.#dirtyPrompts.add(this.#promptOf(call) ?? prompt);
    }
  }

  #promptOf(call: ToolCall): Prompt | undefined {
    for (let i = this.prompts.length - 1; i >= 0; i--)
      if (this.prompts[i]!.toolCalls.includes(call)) return this.prompts[i];
    return undefined;
  }
}
