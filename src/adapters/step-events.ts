import { artifactText, safeJson, toolOutputArtifact } from "./action-artifacts.js";
import { publishActionsSubtask, type ToolOutcome } from "./actions-subtask.js";
import { type PromptMessage, promptStack } from "./prompt-stack.js";
import type { PublishEvent, StreamSummary, TokenUsage } from "./publish-event.js";
import { splitToolName, toolActionDict } from "./tool-action.js";

/** The settings every adapter shares, validated once (see adapter-options.ts). */
export interface StepSettings {
  /** The model id the events carry, as the Python prompt driver carries its configured `model`. */
  readonly model: string | undefined;
  /** When set, reasoning deltas are published as custom events of this type. */
  readonly reasoningEventType: string | undefined;
  /** `subtask_parent_task_id` of the ActionsSubtask events. */
  readonly taskId: string | null;
}

/** A tool call made in a step, its arguments as streamed. */
export interface StepToolCall {
  tag: string;
  toolName: string;
  index: number;
  arguments: string;
  /** The complete input once the SDK gave it parsed; undefined while only streamed text is known. */
  input: unknown;
}

/** Why a step ended without its model finishing it: recorded in its FinishPromptEvent's `meta.interrupted`. */
export type Interruption = "error" | "abort";

const UNKNOWN_USAGE: TokenUsage = { inputTokens: null, outputTokens: null };
const UNKNOWN_MODEL = "unknown";

/**
 * The mapping every adapter shares (see docs/adapters.md): model steps, text, tool calls and tool results become the
 * events the Griptape Python framework publishes for the same stream, in its order:
 * StartPromptEvent, TextChunkEvent / ActionChunkEvent…, FinishPromptEvent, then, when the step's tools ran,
 * StartActionsSubtaskEvent and FinishActionsSubtaskEvent. An adapter feeds it one SDK's parts.
 */
export class StepEvents {
  readonly #publish: PublishEvent;
  readonly #settings: StepSettings;
  /** The conversation before the current step: the next StartPromptEvent's prompt stack. */
  readonly #history: PromptMessage[];
  #open = false;
  #model = UNKNOWN_MODEL;
  #text = "";
  #indexes = new Map<string, number>();
  #nextIndex = 0;
  #reasoningIndexes = new Map<string, number>();
  #calls = new Map<string, StepToolCall>();
  #outcomes: ToolOutcome[] = [];
  #lastText = "";
  #inputTokens: number | null = null;
  #outputTokens: number | null = null;
  #previousSubtaskId: string | null = null;

  constructor(publish: PublishEvent, settings: StepSettings, history: readonly PromptMessage[]) {
    this.#publish = publish;
    this.#settings = settings;
    this.#history = [...history];
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Publishes StartPromptEvent (Python's `BasePromptDriver.before_run`). A step left open is finished first. */
  start(streamModel?: string): void {
    if (this.#open) this.finish(UNKNOWN_USAGE);
    this.#model = this.#settings.model ?? (streamModel || UNKNOWN_MODEL);
    this.#text = "";
    this.#indexes = new Map();
    this.#nextIndex = 0;
    this.#reasoningIndexes = new Map();
    this.#calls = new Map();
    this.#outcomes = [];
    this.#open = true;
    this.#publish({ type: "StartPromptEvent", model: this.#model, prompt_stack: promptStack(this.#history) });
  }

  /** Opens a step for content that arrived outside one, so nothing a stream sends out of order is lost. */
  ensureOpen(streamModel?: string): void {
    if (!this.#open) this.start(streamModel);
  }

  /** The content index of a part of this step, in order of first appearance (text and tool calls share it). */
  contentIndex(key: string): number {
    let index = this.#indexes.get(key);
    if (index === undefined) {
      index = this.#nextIndex++;
      this.#indexes.set(key, index);
    }
    return index;
  }

  /** The index of a reasoning part of this step: its own count, so text and tool indexes never depend on it. */
  reasoningIndex(key: string): number {
    let index = this.#reasoningIndexes.get(key);
    if (index === undefined) {
      index = this.#reasoningIndexes.size;
      this.#reasoningIndexes.set(key, index);
    }
    return index;
  }

  /** A text delta. An empty one is left out: Python publishes the empty content of a first chunk, which shows nothing. */
  text(token: string, index: number): void {
    if (token === "") return;
    this.#text += token;
    this.#publish({ type: "TextChunkEvent", token, index });
  }

  reasoning(token: string, index: number): void {
    const type = this.#settings.reasoningEventType;
    if (type !== undefined) this.#publish({ type, token, index });
  }

  /**
   * A tool call's first delta: who is called (Python's header `ActionCallDeltaMessageContent`). A call already
   * known by its deltas (they came first) keeps its index and arguments.
   */
  toolCallStart(key: string, tag: string, toolName: string, index: number, partialInput: string | null = null): void {
    const known = this.#calls.get(key);
    const call = known ?? { tag, toolName, index, arguments: "", input: undefined };
    call.tag = tag;
    call.toolName = toolName;
    if (partialInput !== null) call.arguments += partialInput;
    if (known === undefined) this.#calls.set(key, call);
    const { name, path } = splitToolName(toolName);
    this.#publish({ type: "ActionChunkEvent", index: call.index, partial_input: partialInput, tag, name, path });
  }

  /**
   * A later delta of a tool call's arguments. A delta for a call never started (out of order, or a call id the
   * stream never announced) is still published, as Python publishes every delta, under the index given.
   */
  toolCallDelta(key: string, delta: string, indexIfUnknown: number): void {
    let call = this.#calls.get(key);
    if (call === undefined) {
      call = { tag: "", toolName: "", index: indexIfUnknown, arguments: "", input: undefined };
      this.#calls.set(key, call);
    }
    call.arguments += delta;
    this.#publish({
      type: "ActionChunkEvent",
      index: call.index,
      partial_input: delta,
      tag: null,
      name: null,
      path: null,
    });
  }

  /**
   * A tool call's complete input (and its full argument text when the SDK gives it). When the stream never
   * streamed the call (a provider that sends whole calls), it is published as one ActionChunkEvent carrying both
   * the header and the input, as Python's drivers for such providers do.
   */
  toolCallComplete(
    key: string,
    tag: string,
    toolName: string,
    input: unknown,
    index: number,
    argumentsText?: string,
  ): void {
    const known = this.#calls.get(key);
    if (known !== undefined) {
      if (known.tag === "") known.tag = tag;
      if (known.toolName === "") known.toolName = toolName;
      if (argumentsText !== undefined) known.arguments = argumentsText;
      known.input = input;
      return;
    }
    const partial = argumentsText ?? (typeof input === "string" ? input : (safeJson(input) ?? ""));
    this.#calls.set(key, { tag, toolName, index, arguments: partial, input });
    const { name, path } = splitToolName(toolName);
    this.#publish({ type: "ActionChunkEvent", index, partial_input: partial, tag, name, path });
  }

  /** A tool's result or error; published as the step's ActionsSubtask when the step finishes. */
  toolOutcome(outcome: ToolOutcome): void {
    this.#outcomes.push(outcome);
  }

  toolCall(key: string): StepToolCall | undefined {
    return this.#calls.get(key);
  }

  /** The tool calls of the current (or last) step, in the order they started. */
  toolCalls(): StepToolCall[] {
    return [...this.#calls.values()];
  }

  /** The text of the current (or last) step. */
  get stepText(): string {
    return this.#text;
  }

  /**
   * Publishes FinishPromptEvent (Python's `BasePromptDriver.after_run`), then the ActionsSubtask of the tools the
   * step ran. `responseModel` names the model only when no model was configured and the step start did not know it.
   */
  finish(usage: TokenUsage, responseModel?: string, interrupted?: Interruption): void {
    if (!this.#open) return;
    this.#open = false;
    if (this.#model === UNKNOWN_MODEL && responseModel) this.#model = responseModel;
    const counts = { input_token_count: usage.inputTokens, output_token_count: usage.outputTokens };
    this.#publish({
      type: "FinishPromptEvent",
      model: this.#model,
      result: this.#text,
      ...counts,
      ...(interrupted === undefined ? {} : { meta: { interrupted } }),
    });
    this.#lastText = this.#text;
    this.#inputTokens = sum(this.#inputTokens, usage.inputTokens);
    this.#outputTokens = sum(this.#outputTokens, usage.outputTokens);
    this.#remember();
    if (this.#outcomes.length > 0) {
      this.#previousSubtaskId = publishActionsSubtask(this.#publish, this.#outcomes, {
        thought: this.#text,
        taskId: this.#settings.taskId,
        previousSubtaskId: this.#previousSubtaskId,
      });
    }
  }

  /** Closes a step the stream left open (an error, an abort): what it had is published, marked in `meta`. */
  interrupt(kind: Interruption): void {
    this.finish(UNKNOWN_USAGE, undefined, kind);
  }

  /**
   * `interrupt`, for a stream that is failing with `error`: publishing must not replace the error the caller is
   * about to get (a publish refused by the bus already is that error).
   */
  interruptQuietly(kind: Interruption): void {
    try {
      this.interrupt(kind);
    } catch {
      // The stream's own error is the one to report.
    }
  }

  summary(): StreamSummary {
    return { text: this.#lastText, usage: { inputTokens: this.#inputTokens, outputTokens: this.#outputTokens } };
  }

  /** The step's messages join the conversation the next step's prompt stack shows. */
  #remember(): void {
    const calls = [...this.#calls.values()].filter((call) => call.tag !== "" || call.toolName !== "");
    const assistant = [
      ...(this.#text === "" ? [] : [this.#text]),
      ...calls.map((call) => safeJson(toolActionDict(call.tag, call.toolName, callInput(call))) ?? ""),
    ];
    if (assistant.length > 0) this.#history.push({ role: "assistant", texts: assistant });
    if (this.#outcomes.length > 0) {
      this.#history.push({
        role: "user",
        texts: this.#outcomes.map((o) => artifactText(toolOutputArtifact(o.tag, o.output, o.isError))),
      });
    }
  }
}

function callInput(call: StepToolCall): unknown {
  if (call.input !== undefined) return call.input;
  try {
    return JSON.parse(call.arguments) as unknown;
  } catch {
    return call.arguments;
  }
}

function sum(total: number | null, add: number | null): number | null {
  if (add === null) return total;
  return (total ?? 0) + add;
}
